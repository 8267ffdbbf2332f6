package io.dreamid.diffusion.onnx;

/** The configured execution device (CUDA) cannot be used; the message says how to fix it. */
public class DeviceUnavailableException extends RuntimeException {
    public DeviceUnavailableException(String message) {
        super(message);
    }

    public DeviceUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
