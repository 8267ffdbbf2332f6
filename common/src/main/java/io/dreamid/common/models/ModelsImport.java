package io.dreamid.common.models;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.common.storage.StorageException;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * {@code models import (--diffusion DIR | --encoder DIR) [--name NAME] [--version VERSION] [--services-env FILE]}:
 * checks that the service can load the bundle (its own {@link BundleChecker}, so this runs on that service's
 * classpath), and only then uploads it to {@code models/{name}/{version}/} with its SHA-256 manifest (computed when
 * the folder has none; a folder with one is checked against it) and records the service settings that point at
 * it in the services file. A bundle the service cannot load is refused with the reason: nothing is uploaded, the
 * services file is unchanged, and the platform keeps the bundle it had.
 *
 * <p>Storage from the environment, as the services read it: {@code DREAMID_STORAGE_ENDPOINT}, {@code _ACCESS_KEY},
 * {@code _SECRET_KEY}, {@code _BUCKET}, {@code _REGION}. Exit status: 0 imported, 2 wrong command line, 3 storage
 * failed, 4 the bundle was refused.
 */
public final class ModelsImport {
    static final int OK = 0;
    static final int USAGE = 2;
    static final int STORAGE_FAILED = 3;
    static final int REFUSED = 4;
    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    static final String USAGE_TEXT = "usage: models import (--diffusion DIR | --encoder DIR) [--name NAME]"
            + " [--version VERSION] [--services-env FILE]";

    private ModelsImport() {
    }

    public static void main(String[] args) {
        // Exit explicitly: the storage client's connection threads are not daemons.
        System.exit(run(args, System.getenv()::get, System.out, System.err));
    }

    /** What the local runner runs; {@code env} gives the storage settings. */
    public static int run(String[] args, Function<String, String> env, PrintStream out, PrintStream err) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("dreamid: models import: " + e.getMessage());
            err.println(USAGE_TEXT);
            return USAGE;
        }
        List<String> kinds = new ArrayList<>();
        BundleChecker checker = null;
        for (BundleChecker c : ServiceLoader.load(BundleChecker.class)) {
            kinds.add(c.kind());
            if (c.kind().equals(options.kind())) {
                checker = c;
            }
        }
        if (checker == null) {
            err.println("dreamid: models import: no check for --" + options.kind() + " bundles on this classpath"
                    + " (it has: " + kinds + "); run it with the classpath of the service that loads them");
            return USAGE;
        }
        if (!Files.isDirectory(options.dir())) {
            err.println("dreamid: models import: no such folder: " + options.dir());
            return USAGE;
        }
        String name = options.name() == null ? checker.defaultName() : options.name();
        String prefix = ObjectKeys.model(name, options.version());

        BundleManifest manifest;
        String loaded;
        try {
            // Listed before the check: loading may write beside the files (a rewritten text encoder with external
            // data), and that is no part of the bundle.
            boolean own = Files.isRegularFile(options.dir().resolve(BundleManifest.FILE_NAME));
            manifest = own ? BundleManifest.read(options.dir()) : BundleManifest.compute(options.dir());
            if (own) {
                manifest.verify(options.dir());
            }
            out.println("dreamid: " + manifest.files().size() + " files, " + (own ? "as its manifest.json lists them"
                    : "SHA-256 manifest computed (the folder has none)"));
            out.println("dreamid: checking that " + checker.service() + " loads " + options.dir());
            loaded = checker.check(options.dir());
        } catch (RuntimeException e) {
            err.println("dreamid: models import: refused, " + checker.service() + " cannot load " + options.dir()
                    + ": " + reason(e));
            err.println("dreamid: nothing was uploaded or switched; the platform keeps the bundle it had");
            return REFUSED;
        }
        out.println("dreamid: " + checker.service() + " loads it: " + loaded);

        try {
            ObjectStore store = new ObjectStore(env(env, "DREAMID_STORAGE_ENDPOINT", "http://localhost:19000"), null,
                    env(env, "DREAMID_STORAGE_ACCESS_KEY", "dreamid"), env(env, "DREAMID_STORAGE_SECRET_KEY",
                            "dreamid-secret"), env(env, "DREAMID_STORAGE_BUCKET", "dreamid"),
                    env(env, "DREAMID_STORAGE_REGION", "us-east-1"));
            out.println("dreamid: uploading to " + prefix + " in bucket " + store.bucket());
            BundleFetcher.toStorage(options.dir(), manifest, store, prefix);
        } catch (StorageException | UncheckedIOException e) {
            err.println("dreamid: models import: the upload failed: " + e.getMessage());
            return STORAGE_FAILED;
        }
        out.println("dreamid: uploaded " + (manifest.files().size() + 1) + " files");
        Map<String, String> settings = checker.settings(name, options.version());
        if (options.servicesEnv() != null) {
            recordSettings(options.servicesEnv(), settings);
            out.println("dreamid: recorded in " + options.servicesEnv() + "; " + checker.service() + " uses " + prefix
                    + " from its next start");
        } else {
            out.println("dreamid: start " + checker.service() + " with " + settings);
        }
        return OK;
    }

    /**
     * Replaces (or adds) {@code KEY=VALUE} lines of the services file, keeping every other line; the new file
     * replaces the old one in one move, so a reader never sees half of it.
     */
    static void recordSettings(Path file, Map<String, String> settings) {
        try {
            List<String> lines = new ArrayList<>();
            if (Files.exists(file)) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    int eq = line.indexOf('=');
                    if (eq < 0 || !settings.containsKey(line.substring(0, eq).strip())) {
                        lines.add(line);
                    }
                }
            }
            settings.entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> lines.add(e.getKey() + "=" + e.getValue()));
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path temp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
            Files.write(temp, lines, StandardCharsets.UTF_8);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** The innermost message that says something: loaders wrap ONNX Runtime's and protobuf's errors. */
    private static String reason(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    private static String env(Function<String, String> env, String name, String fallback) {
        String value = env.apply(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    record Options(String kind, Path dir, String name, String version, Path servicesEnv) {
        static Options parse(String[] args) {
            String kind = null;
            Path dir = null;
            String name = null;
            String version = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss"));
            Path servicesEnv = null;
            for (int i = 0; i < args.length; i++) {
                String option = args[i];
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(option + " needs a value");
                }
                String value = args[++i];
                switch (option) {
                    case "--diffusion", "--encoder" -> {
                        if (kind != null) {
                            throw new IllegalArgumentException("give one of --diffusion DIR or --encoder DIR");
                        }
                        kind = option.substring(2);
                        dir = Path.of(value);
                    }
                    case "--name" -> name = safe("name", value);
                    case "--version" -> version = safe("version", value);
                    case "--services-env" -> servicesEnv = Path.of(value);
                    default -> throw new IllegalArgumentException("unknown option " + option);
                }
            }
            if (kind == null) {
                throw new IllegalArgumentException("give --diffusion DIR or --encoder DIR");
            }
            return new Options(kind, dir, name, version, servicesEnv);
        }

        private static String safe(String what, String value) {
            if (!SAFE_ID.matcher(value).matches()) {
                throw new IllegalArgumentException("'" + value + "' is not a valid " + what
                        + " (letters, digits, '.', '_', '-'; up to 128)");
            }
            return value;
        }
    }
}
