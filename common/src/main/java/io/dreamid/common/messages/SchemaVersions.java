package io.dreamid.common.messages;

/**
 * The wire schema version every message carries in {@code schemaVersion}. Version 2 (issue 15) added jobs of several
 * people ({@code spec.people}, {@code IdentityMessage.people}) and text-only jobs; every version-1 message is a valid
 * version-2 message with those fields absent, so both are read.
 */
public final class SchemaVersions {
    /** The version this code writes. */
    public static final int CURRENT = 2;
    /** The oldest version this code still reads. */
    public static final int OLDEST_READ = 1;

    private SchemaVersions() {
    }
}
