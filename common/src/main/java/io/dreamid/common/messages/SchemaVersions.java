package io.dreamid.common.messages;

/** The wire schema version every message carries in {@code schemaVersion}. */
public final class SchemaVersions {
    /** The version this code writes and the only one it reads. */
    public static final int CURRENT = 1;

    private SchemaVersions() {
    }
}
