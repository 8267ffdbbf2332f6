package io.dreamid.common.storage;

/** The object asked for is not in the bucket; retrying will not help. */
public class ObjectNotFoundException extends RuntimeException {
    private final String key;

    public ObjectNotFoundException(String key) {
        super("object not found: " + key);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
