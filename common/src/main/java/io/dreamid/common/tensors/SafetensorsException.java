package io.dreamid.common.tensors;

/** A safetensors file that breaks the format: truncated, inconsistent offsets, an unreadable header. */
public class SafetensorsException extends RuntimeException {
    public SafetensorsException(String message) {
        super(message);
    }

    public SafetensorsException(String message, Throwable cause) {
        super(message, cause);
    }
}
