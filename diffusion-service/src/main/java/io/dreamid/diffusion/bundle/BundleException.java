package io.dreamid.diffusion.bundle;

import io.dreamid.common.models.ModelBundleException;

/** A model bundle is missing, incomplete, corrupt or has a shape this service does not support. */
public class BundleException extends ModelBundleException {
    public BundleException(String message) {
        super(message);
    }

    public BundleException(String message, Throwable cause) {
        super(message, cause);
    }
}
