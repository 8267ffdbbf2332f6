package io.dreamid.e2e;

import io.dreamid.testsupport.EmbeddedKafka;
import io.dreamid.testsupport.EmbeddedS3;
import io.dreamid.testsupport.FaultProxy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The whole system for end-to-end tests: the real in-JVM Kafka broker and S3 server from test-support, and the
 * four services started from their runnable jars as separate processes, exactly as the local runner starts
 * them. Logs go to {@code e2e/target/e2e-logs/}.
 */
final class Platform implements AutoCloseable {
    static final String API_KEY = "e2e-key-" + Long.toHexString(System.nanoTime());
    static final String TENANT = "e2e";

    private static final List<String> SERVICES = List.of("face-service", "encoder-service", "diffusion-service",
            "gateway");
    /**
     * How long a service may take to start: 4 minutes by default (on 2 cores shared with builds starts took over 2),
     * {@code -De2e.start-timeout-seconds=N} for a machine under heavier load.
     */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(Long.getLong("e2e.start-timeout-seconds", 240));

    private final Path repoRoot;
    private final Path logDir;
    private final Map<String, Process> processes = new LinkedHashMap<>();
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private String kafka;
    private String s3;
    /** Between the services and the S3 server, so that a test can take storage away (dead or hung). */
    private FaultProxy storage;

    private Platform(Path repoRoot) {
        this.repoRoot = repoRoot;
        this.logDir = repoRoot.resolve("e2e/target/e2e-logs");
    }

    private static Platform shared;

    /**
     * The platform shared by every end-to-end test class of this JVM (the services take most of the time to
     * start); started on first use, stopped when the JVM exits.
     */
    static synchronized Platform shared() {
        if (shared == null) {
            shared = start();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "e2e-platform-stop"));
        }
        return shared;
    }

    /** Starts the broker, the S3 server and the four services; returns once every service reports ready. */
    static Platform start() {
        Path root = Path.of("").toAbsolutePath();
        if (!Files.exists(root.resolve("mvnw"))) {
            root = root.getParent();
        }
        Platform platform = new Platform(root);
        try {
            platform.startAll();
            return platform;
        } catch (RuntimeException e) {
            platform.close();
            throw e;
        }
    }

    URI gateway() {
        return URI.create("http://127.0.0.1:" + ports.get("gateway"));
    }

    URI service(String name) {
        return URI.create("http://127.0.0.1:" + ports.get(name));
    }

    Path repoRoot() {
        return repoRoot;
    }

    String log(String service) {
        try {
            return Files.readString(logDir.resolve(service + ".log"));
        } catch (IOException e) {
            return "";
        }
    }

    private void startAll() {
        kafka = EmbeddedKafka.start();
        URI direct = URI.create(EmbeddedS3.start());
        storage = new FaultProxy(direct.getHost(), direct.getPort());
        s3 = storage.url();
        try {
            Files.createDirectories(logDir);
            for (String service : SERVICES) {
                // Appended to from here on, so that a restarted service's log follows its first run's.
                Files.deleteIfExists(logDir.resolve(service + ".log"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String service : SERVICES) {
            ports.put(service, freePort());
            launch(service, Map.of());
        }
        for (String service : SERVICES) {
            awaitReady(service);
        }
    }

    /**
     * Stops one service and starts it again on its port with {@code settings} added to its environment (what the
     * local runner does after {@code models import}); returns once it is ready, with the exit status of the stopped
 * process (143 for a JVM that ended on SIGTERM, 134 for one that crashed).
     */
    int restart(String service, Map<String, String> settings) {
        int exit = stop(processes.remove(service));
        launch(service, settings);
        awaitReady(service);
        return exit;
    }

    /**
     * Kills one service with SIGKILL (no shutdown: what a crash or an OOM kill does) and starts it again on its
     * port; returns once it is ready.
     */
    void kill(String service) {
        Process p = processes.remove(service);
        p.destroyForcibly();
        try {
            p.waitFor(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        launch(service, Map.of());
        awaitReady(service);
    }

    /** The fault proxy the services reach object storage through. */
    FaultProxy storage() {
        return storage;
    }

    /** The S3 endpoint every service uses. */
    String storageEndpoint() {
        return s3;
    }

    /**
     * A second gateway replica (process {@code gateway-2}) on the same broker and storage, started on first use and
     * kept until the platform stops (a replica leaving moves its fold partitions only after the session timeout).
     */
    synchronized URI secondGateway() {
        if (!processes.containsKey(SECOND_GATEWAY)) {
            ports.put(SECOND_GATEWAY, freePort());
            launch(SECOND_GATEWAY, "gateway", Map.of());
            awaitReady(SECOND_GATEWAY);
        }
        return service(SECOND_GATEWAY);
    }

    private static final String SECOND_GATEWAY = "gateway-2";

    private void launch(String service, Map<String, String> settings) {
        launch(service, service, settings);
    }

    /** Starts process {@code name} from the runnable jar of {@code module}. */
    private void launch(String name, String module, Map<String, String> settings) {
        String service = name;
        int port = ports.get(service);
        Path jar = repoRoot.resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: build the services first (./mvnw -B verify "
                    + "builds them before this module)");
        }
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx384m", "-XX:+UseSerialGC",
                "-Djdk.nio.maxCachedBufferSize=262144", "-Dquarkus.http.port=" + port, "-jar", jar.toString()));
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(repoRoot.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logDir.resolve(service + ".log").toFile()));
        Map<String, String> env = pb.environment();
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka);
        env.put("DREAMID_STORAGE_ENDPOINT", s3);
        env.put("DREAMID_STORAGE_PUBLIC_ENDPOINT", s3);
        env.put("DREAMID_STORAGE_ACCESS_KEY", EmbeddedS3.ACCESS_KEY);
        env.put("DREAMID_STORAGE_SECRET_KEY", EmbeddedS3.SECRET_KEY);
        env.put("DREAMID_STORAGE_BUCKET", EmbeddedS3.BUCKET);
        env.put("DREAMID_STORAGE_REGION", EmbeddedS3.REGION);
        env.put("DREAMID_GATEWAY_API_KEYS", TENANT + ":" + sha256(API_KEY));
        env.put("DREAMID_GATEWAY_STATE_DIR", logDir.resolve("streams-state-" + port).toString());
        // No encoder bundle: the encoder's built-in one (dlib's ResNet, untrained projector), as on a fresh clone.
        env.put("DREAMID_ENCODER_CACHE_DIR", logDir.resolve("encoder-cache").toString());
        env.put("DREAMID_DIFFUSION_CACHE_DIR", logDir.resolve("diffusion-cache").toString());
        // Every denoising step reported, so that Chaos can count the UNet evaluations redelivered work ran again.
        env.put("DREAMID_DIFFUSION_PROGRESS_STEP", "0");
        if (ports.containsKey("face-service")) {
            // POST /v1/faces:compare on the gateway asks the face-service.
            env.put("DREAMID_GATEWAY_FACE_SERVICE_URL", "http://127.0.0.1:" + ports.get("face-service"));
        }
        env.putAll(settings);
        try {
            processes.put(service, pb.start());
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + service + ": " + e.getMessage(), e);
        }
    }

    private void awaitReady(String service) {
        URI health = service(service).resolve("/q/health/ready");
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Process p = processes.get(service);
            if (!p.isAlive()) {
                throw new IllegalStateException(service + " exited with code " + p.exitValue() + ":\n" + tail(service));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + service, e);
            }
            pause(250);
        }
        throw new IllegalStateException(service + " was not ready within " + START_TIMEOUT + ":\n" + tail(service));
    }

    private String tail(String service) {
        String log = log(service);
        return log.length() > 4000 ? log.substring(log.length() - 4000) : log;
    }

    @Override
    public void close() {
        for (Process p : processes.values()) {
            p.destroy();
        }
        processes.values().forEach(Platform::stop);
        processes.clear();
        if (storage != null) {
            storage.close();
        }
    }

    /** SIGTERM, then SIGKILL after 40 s (the stage shutdown grace is 30 s); the process's exit status. */
    private static int stop(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(40, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return -1;
        }
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * A port below the kernel's ephemeral range (32768 and up on Linux): a port the kernel hands out for
     * {@code ServerSocket(0)} can be taken by any outgoing connection (the services' own Kafka clients) before the
     * service binds it, which made a service fail to start with "port in use".
     */
    private static int freePort() {
        IOException last = null;
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(20_000, 32_000);
            try (ServerSocket socket = new ServerSocket(port)) {
                return socket.getLocalPort();
            } catch (IOException e) {
                last = e;
            }
        }
        throw new UncheckedIOException("no free port between 20000 and 32000", last);
    }
}
