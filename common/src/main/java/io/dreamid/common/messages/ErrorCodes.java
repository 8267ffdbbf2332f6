package io.dreamid.common.messages;

/**
 * The error codes a FAILED job may carry. Codes the user can act on are never retried by the stages.
 */
public final class ErrorCodes {
    /** The job spec breaks a rule (no placeholder, a parameter out of range, ...). */
    public static final String BAD_SPEC = "BAD_SPEC";
    /** The photo is not a decodable image, or is too large. */
    public static final String BAD_IMAGE = "BAD_IMAGE";
    /** No face was found in the photo. */
    public static final String NO_FACE = "NO_FACE";
    /** Several faces were found and the job asked to fail in that case. */
    public static final String SEVERAL_FACES = "SEVERAL_FACES";
    /** The job asked for face number N and the photo has fewer faces. */
    public static final String FACE_INDEX_OUT_OF_RANGE = "FACE_INDEX_OUT_OF_RANGE";
    /** The job names an identity that is not in storage. */
    public static final String IDENTITY_NOT_FOUND = "IDENTITY_NOT_FOUND";
    /** The job names a photo object that is not in storage. */
    public static final String PHOTO_NOT_FOUND = "PHOTO_NOT_FOUND";
    /** A model failed to run on this input. */
    public static final String MODEL_ERROR = "MODEL_ERROR";
    /** Object storage kept failing after retries. */
    public static final String STORAGE_ERROR = "STORAGE_ERROR";
    /** The message could not be read (not JSON, unknown schema version); it went to the dead-letter topic. */
    public static final String MALFORMED_MESSAGE = "MALFORMED_MESSAGE";
    /** Anything else: a defect in the system, not in the input. */
    public static final String INTERNAL = "INTERNAL";

    private ErrorCodes() {
    }
}
