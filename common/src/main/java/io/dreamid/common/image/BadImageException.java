package io.dreamid.common.image;

/**
 * The bytes are not an image this system accepts: not an image at all, a format it does not read, too large, or
 * damaged. The message says which, in words a user can act on; it is the user's input that is wrong, so callers
 * report it (HTTP 4xx, {@code BAD_IMAGE}) and never retry.
 */
public class BadImageException extends RuntimeException {
    public BadImageException(String message) {
        super(message);
    }

    public BadImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
