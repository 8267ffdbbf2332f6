package io.dreamid.common.json;

/** A message that cannot be read: not JSON, a wrong schema version, or a shape that does not fit its record. */
public class MalformedMessageException extends RuntimeException {
    public MalformedMessageException(String message) {
        super(message);
    }

    public MalformedMessageException(String message, Throwable cause) {
        super(message, cause);
    }
}
