package io.dreamid.trainer;

/** A problem a user can fix (a missing file, a bad dataset line, an option out of range), said in its message. */
public final class TrainerException extends RuntimeException {
    public TrainerException(String message) {
        super(message);
    }

    public TrainerException(String message, Throwable cause) {
        super(message, cause);
    }
}
