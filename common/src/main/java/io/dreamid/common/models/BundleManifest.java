package io.dreamid.common.models;

import com.fasterxml.jackson.core.type.TypeReference;
import io.dreamid.common.json.Json;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The {@code manifest.json} at a bundle's root: {@code {relative path: sha256 hex}} of every other file. It is
 * what a bundle in storage is checked against, file by file, before any of it is loaded.
 */
public record BundleManifest(Map<String, String> files) {
    public static final String FILE_NAME = "manifest.json";

    public BundleManifest {
        files = Map.copyOf(new TreeMap<>(files));
        for (String path : files.keySet()) {
            checkPath(path);
        }
    }

    public static BundleManifest parse(byte[] json) {
        try {
            return new BundleManifest(Json.mapper().readValue(json, new TypeReference<Map<String, String>>() {
            }));
        } catch (IOException e) {
            throw new ModelBundleException("manifest.json is not a JSON object of {path: sha256}: " + e.getMessage(), e);
        }
    }

    public static BundleManifest read(Path root) {
        Path file = root.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new ModelBundleException("no " + FILE_NAME + " in " + root + ": a bundle must list its files with their"
                    + " SHA-256 (./dreamid models import writes it)");
        }
        try {
            return parse(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new ModelBundleException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The manifest of a folder as it is: every regular file under {@code root} but the manifest itself, with its
     * SHA-256 (what a user's export, which has none, gets on import).
     */
    public static BundleManifest compute(Path root) {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path file : paths.filter(Files::isRegularFile).toList()) {
                String path = root.relativize(file).toString().replace(File.separatorChar, '/');
                if (!path.equals(FILE_NAME)) {
                    files.put(path, sha256(file));
                }
            }
        } catch (IOException e) {
            throw new ModelBundleException("cannot list " + root + ": " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new ModelBundleException("the folder " + root + " holds no files");
        }
        return new BundleManifest(files);
    }

    /** The manifest as JSON, paths in order; names are escaped as JSON requires, whatever they contain. */
    public byte[] toJson() {
        try {
            return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(new TreeMap<>(files));
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a map of strings as JSON", e);
        }
    }

    /** Checks every listed file under {@code root}; the message lists each missing or different file. */
    public void verify(Path root) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> entry : files.entrySet()) {
            Path file = root.resolve(entry.getKey());
            if (!Files.isRegularFile(file)) {
                problems.add(entry.getKey() + " is missing");
            } else if (!sha256(file).equalsIgnoreCase(entry.getValue())) {
                problems.add(entry.getKey() + " has another SHA-256 than the manifest says");
            }
        }
        if (!problems.isEmpty()) {
            throw new ModelBundleException("bundle " + root + " does not match its manifest: " + String.join("; ", problems));
        }
    }

    /** Whether {@code file} exists and has the listed digest of {@code path}. */
    public boolean matches(String path, Path file) {
        return Files.isRegularFile(file) && sha256(file).equalsIgnoreCase(files.get(path));
    }

    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return sha256(in);
        } catch (IOException e) {
            throw new ModelBundleException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    public static String sha256(InputStream in) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
        byte[] buffer = new byte[1 << 16];
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            digest.update(buffer, 0, n);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void checkPath(String path) {
        // Paths come from a file in storage: one that climbs out of the bundle folder must never be written.
        boolean bad = path.isEmpty() || path.startsWith("/") || path.contains("\\") || path.equals(FILE_NAME);
        for (String segment : path.split("/")) {
            bad |= segment.isEmpty() || segment.equals(".") || segment.equals("..");
        }
        if (bad) {
            throw new ModelBundleException("manifest.json lists an invalid path \"" + path
                    + "\" (relative, '/'-separated, inside the bundle, not the manifest itself)");
        }
    }
}
