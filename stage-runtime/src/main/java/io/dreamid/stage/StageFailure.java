package io.dreamid.stage;

import io.dreamid.common.messages.ErrorInfo;

/**
 * A failure that ends the job FAILED with a code from {@code ErrorCodes} and a message a person can act on. A
 * handler throws it; the runtime sends the FAILED event (with the timings gathered so far) and commits.
 */
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

    public String code() {
        return code;
    }

    public ErrorInfo error() {
        return ErrorInfo.of(code, getMessage());
    }
}
