package io.dreamid.diffusion.bundle;

/** A model bundle is missing, incomplete, corrupt or has a shape this service does not support. */
public class BundleException extends RuntimeException {
    public BundleException(String message) {
        super(message);
    }

    public BundleException(String message, Throwable cause) {
        super(message, cause);
    }
}
