package io.dreamid.common.storage;

/** Object storage failed (unreachable, refused, or an I/O error); worth a retry with backoff. */
public class StorageException extends RuntimeException {
    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
