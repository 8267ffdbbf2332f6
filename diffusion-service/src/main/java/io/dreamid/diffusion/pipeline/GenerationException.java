package io.dreamid.diffusion.pipeline;

/**
 * A generation that cannot run, with the job error code it maps to ({@code BAD_SPEC} for inputs the user can fix,
 * {@code MODEL_ERROR} when a model fails on them).
 */
public class GenerationException extends RuntimeException {
    private final String code;

    public GenerationException(String code, String message) {
        super(message);
        this.code = code;
    }

    public GenerationException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
