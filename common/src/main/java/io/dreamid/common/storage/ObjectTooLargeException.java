package io.dreamid.common.storage;

/** An object is larger than the caller is willing to read. */
public class ObjectTooLargeException extends RuntimeException {
    public ObjectTooLargeException(String key, long size, long limit) {
        super("object " + key + " is " + size + " bytes, more than the limit of " + limit + " bytes");
    }
}
