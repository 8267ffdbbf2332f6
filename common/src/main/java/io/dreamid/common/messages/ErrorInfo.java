package io.dreamid.common.messages;

/**
 * Why a job failed: a machine-readable {@code code} (see {@link ErrorCodes}) and a message a person can act on.
 */
public record ErrorInfo(String code, String message) {
    public static ErrorInfo of(String code, String message) {
        return new ErrorInfo(code, message);
    }
}
