package io.dreamid.face.pipeline;

/**
 * A failure the user can act on (no face, a bad image, ...): it ends the job with {@link #code()} and is never
 * retried.
 */
public class FaceFailure extends RuntimeException {
    private final String code;

    public FaceFailure(String code, String message) {
        super(message);
        this.code = code;
    }

    public FaceFailure(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** One of {@link io.dreamid.common.messages.ErrorCodes}. */
    public String code() {
        return code;
    }
}
