package io.dreamid.common;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * Ids derived from what they name rather than drawn at random, so that every replica and every retry computes the
 * same one: a name-based UUID (version 8 layout) of the SHA-256 of a domain and its parts, NUL-separated.
 */
public final class DerivedIds {
    private DerivedIds() {
    }

    /** The UUID of {@code domain} and {@code parts}, e.g. ("dreamid-idempotency-key", tenant, key). */
    public static String uuid(String domain, String... parts) {
        StringBuilder text = new StringBuilder(domain);
        for (String part : parts) {
            text.append('\u0000').append(part);
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes(StandardCharsets.UTF_8));
            hash[6] = (byte) ((hash[6] & 0x0f) | 0x80);
            hash[8] = (byte) ((hash[8] & 0x3f) | 0x80);
            ByteBuffer bytes = ByteBuffer.wrap(hash, 0, 16);
            return new UUID(bytes.getLong(), bytes.getLong()).toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
