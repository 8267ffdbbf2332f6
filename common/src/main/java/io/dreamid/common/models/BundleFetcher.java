package io.dreamid.common.models;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.storage.ObjectNotFoundException;
import io.dreamid.common.storage.ObjectStore;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * Brings a bundle to a local folder where ONNX Runtime can open it: from storage ({@code models/{name}/{version}/})
 * or from the classpath (the tiny bundle inside the service jar). Each file is checked against the bundle's
 * {@code manifest.json}; files already in the cache with the right digest are not fetched again.
 */
public final class BundleFetcher {
    private BundleFetcher() {
    }

    /** Fetches {@code models/{name}/{version}/} into {@code cacheDir/name/version/} and returns that folder. */
    public static Path fromStorage(ObjectStore store, String name, String version, Path cacheDir) {
        return fromStorage(store, ObjectKeys.model(name, version), cacheDir.resolve(name).resolve(version));
    }

    /**
     * Fetches the bundle under {@code prefix} (e.g. {@code models/sd15/1/}) into {@code target}, file by file as its
     * manifest lists them; files already there with the right digest are not fetched again.
     */
    public static Path fromStorage(ObjectStore store, String prefix, Path target) {
        String root = prefix.endsWith("/") ? prefix : prefix + "/";
        byte[] manifestBytes;
        try {
            manifestBytes = store.get(root + BundleManifest.FILE_NAME);
        } catch (ObjectNotFoundException e) {
            throw new ModelBundleException("no bundle at " + root + " in bucket " + store.bucket() + ": "
                    + root + BundleManifest.FILE_NAME + " is missing (upload bundles with ./dreamid models import)");
        }
        BundleManifest manifest = BundleManifest.parse(manifestBytes);
        for (String path : manifest.files().keySet()) {
            Path file = target.resolve(path);
            if (!manifest.matches(path, file)) {
                Path partial = file.resolveSibling(file.getFileName() + ".part");
                try {
                    store.download(root + path, partial);
                } catch (ObjectNotFoundException e) {
                    throw new ModelBundleException(root + path + " is listed in the manifest but not in storage: "
                            + "the upload is incomplete");
                }
                if (!manifest.matches(path, partial)) {
                    throw new ModelBundleException(root + path + " in storage has another SHA-256 than "
                            + root + BundleManifest.FILE_NAME + " says: the upload is incomplete or corrupt");
                }
                move(partial, file);
            }
        }
        writeManifest(target, manifestBytes);
        return target;
    }

    /** Uploads a local bundle (checked against its manifest) to {@code models/{name}/{version}/}. */
    public static void toStorage(Path bundle, ObjectStore store, String name, String version) {
        BundleManifest manifest = BundleManifest.read(bundle);
        manifest.verify(bundle);
        toStorage(bundle, manifest, store, ObjectKeys.model(name, version));
    }

    /** Uploads the files {@code manifest} lists from {@code bundle} under {@code prefix}, then the manifest. */
    public static void toStorage(Path bundle, BundleManifest manifest, ObjectStore store, String prefix) {
        for (String path : manifest.files().keySet()) {
            store.upload(bundle.resolve(path), prefix + path, "application/octet-stream");
        }
        // The manifest goes last: a reader that finds it can trust that every file it lists is there.
        store.put(prefix + BundleManifest.FILE_NAME, manifest.toJson(), "application/json");
    }

    /**
     * Copies a bundle packed as classpath resources under {@code resourceRoot} (e.g. {@code bundles/tiny-sd1})
     * to {@code target}; the manifest names the files, since a classpath cannot be listed.
     */
    public static Path fromClasspath(String resourceRoot, Path target) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        byte[] manifestBytes = resource(loader, resourceRoot + "/" + BundleManifest.FILE_NAME);
        BundleManifest manifest = BundleManifest.parse(manifestBytes);
        for (Map.Entry<String, String> entry : manifest.files().entrySet()) {
            Path file = target.resolve(entry.getKey());
            if (!manifest.matches(entry.getKey(), file)) {
                Path partial = file.resolveSibling(file.getFileName() + ".part");
                try {
                    Files.createDirectories(file.getParent());
                    Files.write(partial, resource(loader, resourceRoot + "/" + entry.getKey()));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write " + partial, e);
                }
                move(partial, file);
            }
        }
        writeManifest(target, manifestBytes);
        BundleManifest.read(target).verify(target);
        return target;
    }

    private static byte[] resource(ClassLoader loader, String name) {
        try (InputStream in = loader.getResourceAsStream(name)) {
            if (in == null) {
                throw new ModelBundleException("no classpath resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read classpath resource " + name, e);
        }
    }

    private static void move(Path from, Path to) {
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + from + " to " + to, e);
        }
    }

    private static void writeManifest(Path target, byte[] bytes) {
        try {
            Files.createDirectories(target);
            Files.write(target.resolve(BundleManifest.FILE_NAME), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the manifest in " + target, e);
        }
    }
}
