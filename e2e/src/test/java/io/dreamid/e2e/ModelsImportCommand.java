package io.dreamid.e2e;

import io.dreamid.testsupport.EmbeddedS3;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The command the local runner runs for {@code ./dreamid models import}: common's ModelsImport on the built classpath
 * of the service that loads the bundle, against the platform's storage.
 */
final class ModelsImportCommand {
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    record Result(int exit, String output) {
    }

    private ModelsImportCommand() {
    }

    static Result run(Platform platform, String service, String... args) throws IOException, InterruptedException {
        Path app = platform.repoRoot().resolve(service + "/target/quarkus-app");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", app.resolve("lib/boot/*") + ":" + app.resolve("lib/main/*") + ":"
                + app.resolve("app/*"), "io.dreamid.common.models.ModelsImport"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(Map.of("DREAMID_STORAGE_ENDPOINT", platform.storageEndpoint(),
                "DREAMID_STORAGE_ACCESS_KEY", EmbeddedS3.ACCESS_KEY, "DREAMID_STORAGE_SECRET_KEY", EmbeddedS3.SECRET_KEY,
                "DREAMID_STORAGE_BUCKET", EmbeddedS3.BUCKET, "DREAMID_STORAGE_REGION", EmbeddedS3.REGION));
        Process process = pb.start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("models import did not finish in " + TIMEOUT);
        }
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    /** The KEY=VALUE lines models import wrote for the services. */
    static Map<String, String> settings(Path servicesEnv) throws IOException {
        Map<String, String> settings = new LinkedHashMap<>();
        for (String line : Files.readAllLines(servicesEnv)) {
            settings.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
        }
        return settings;
    }
}
