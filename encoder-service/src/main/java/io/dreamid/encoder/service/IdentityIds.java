package io.dreamid.encoder.service;

import io.dreamid.common.image.RgbImage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Identity ids: the first 128 bits (32 hex digits) of SHA-256 over a domain tag, the encoder version, the crop's
 * size and its decoded RGB pixels. The pixels, not the PNG bytes, so that two encodings of the same crop (other
 * compression, other text chunks) are one identity; the encoder version, so that a new encoder never serves an
 * embedding of an old one. 128 bits keep accidental collisions out of reach for any number of faces.
 */
public final class IdentityIds {
    private static final byte[] DOMAIN = "dreamid-identity/1".getBytes(StandardCharsets.US_ASCII);
    public static final int HEX_DIGITS = 32;

    private IdentityIds() {
    }

    public static String of(RgbImage crop, String encoderVersion) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
        sha.update(DOMAIN);
        sha.update((byte) 0);
        sha.update(encoderVersion.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(ByteBuffer.allocate(8).putInt(crop.width()).putInt(crop.height()).array());
        sha.update(crop.rgb());
        return HexFormat.of().formatHex(sha.digest()).substring(0, HEX_DIGITS);
    }
}
