package io.dreamid.diffusion.service;

import io.dreamid.common.messages.ErrorInfo;

/** A job that ends FAILED with a code from {@code ErrorCodes} and a message a person can act on. */
public class StageFailure extends RuntimeException {
    private final String code;

    public StageFailure(String code, String message) {
        super(message);
        this.code = code;
    }

    public StageFailure(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ErrorInfo error() {
        return ErrorInfo.of(code, getMessage());
    }
}
