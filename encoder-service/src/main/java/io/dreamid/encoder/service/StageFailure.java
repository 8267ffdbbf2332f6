package io.dreamid.encoder.service;

import io.dreamid.common.messages.ErrorInfo;

/** Ends a job: FAILED with {@link #error()}, the message acknowledged, nothing retried. */
public class StageFailure extends RuntimeException {
    private final ErrorInfo error;

    public StageFailure(String code, String message) {
        this(code, message, null);
    }

    public StageFailure(String code, String message, Throwable cause) {
        super(code + ": " + message, cause);
        this.error = ErrorInfo.of(code, message);
    }

    public ErrorInfo error() {
        return error;
    }
}
