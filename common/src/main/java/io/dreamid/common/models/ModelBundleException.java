package io.dreamid.common.models;

/**
 * A model bundle cannot be used: missing, incomplete, corrupt, or in a shape the service does not support. The
 * message names the file and the problem; services stop at start with it.
 */
public class ModelBundleException extends RuntimeException {
    public ModelBundleException(String message) {
        super(message);
    }

    public ModelBundleException(String message, Throwable cause) {
        super(message, cause);
    }
}
