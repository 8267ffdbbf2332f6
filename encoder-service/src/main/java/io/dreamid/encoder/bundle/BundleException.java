package io.dreamid.encoder.bundle;

import io.dreamid.common.models.ModelBundleException;

/** The encoder bundle is missing, unreadable or inconsistent; the message names the file and the problem. */
public class BundleException extends ModelBundleException {
    public BundleException(String message) {
        super(message);
    }

    public BundleException(String message, Throwable cause) {
        super(message, cause);
    }
}
