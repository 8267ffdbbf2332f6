package io.dreamid.gateway.bench;

import io.dreamid.gateway.TestImages;
import io.dreamid.gateway.auth.ApiKeys;
import io.dreamid.testsupport.EmbeddedKafka;
import io.dreamid.testsupport.EmbeddedS3;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gateway benchmark: job submissions per second with a 100 KB JPEG from a few concurrent clients, then status-read
 * latency at a fixed request rate (open loop: each request is due at a fixed time and its latency counts from
 * then, so a slow answer cannot hide the requests queued behind it). Prints figures, asserts nothing.
 * <p>
 * Without {@code --url} it starts the embedded Kafka broker and S3 server in this JVM and the packaged gateway
 * ({@code gateway/target/quarkus-app/quarkus-run.jar}) as a child process; with {@code --url URL --api-key KEY} it
 * measures a running gateway (e.g. the local platform).
 * <p>
 * Options: {@code --seconds 10} (submission phase), {@code --clients 4}, {@code --rate 500} (reads per second),
 * {@code --read-seconds 10}, {@code --photo-kb 100}, {@code --warmup-seconds 10} (submissions before measuring,
 * for the JIT).
 */
public final class GatewayBenchmark {
    private static final String SPEC = "{\"prompts\": [\"a photo of {id} as an astronaut\"], \"steps\": 20}";
    private static final Pattern JOB_ID = Pattern.compile("\"jobId\"\\s*:\\s*\"([^\"]+)\"");

    private final URI gateway;
    private final String apiKey;
    private final HttpClient http;

    private GatewayBenchmark(URI gateway, String apiKey) {
        this.gateway = gateway;
        this.apiKey = apiKey;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newFixedThreadPool(4, daemon()))
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        int seconds = Integer.parseInt(options.getOrDefault("seconds", "10"));
        int clients = Integer.parseInt(options.getOrDefault("clients", "4"));
        int rate = Integer.parseInt(options.getOrDefault("rate", "500"));
        int readSeconds = Integer.parseInt(options.getOrDefault("read-seconds", "10"));
        int photoKb = Integer.parseInt(options.getOrDefault("photo-kb", "100"));
        int warmup = Integer.parseInt(options.getOrDefault("warmup-seconds", "10"));

        Process child = null;
        URI url;
        String key;
        if (options.containsKey("url")) {
            url = URI.create(options.get("url"));
            key = options.get("api-key");
            if (key == null) {
                throw new IllegalArgumentException("--url needs --api-key KEY");
            }
        } else {
            key = "bench-" + System.nanoTime();
            int port = freePort();
            url = URI.create("http://localhost:" + port);
            child = startGateway(port, key);
        }
        int status = 0;
        try {
            GatewayBenchmark bench = new GatewayBenchmark(url, key);
            bench.awaitReady(Duration.ofSeconds(120));
            byte[] photo = photoOfAbout(photoKb * 1024);
            System.out.printf(Locale.ROOT, "gateway %s, photo %d bytes (JPEG), %d cores%n", url, photo.length,
                    Runtime.getRuntime().availableProcessors());
            if (child != null) {
                dependencies(photo);
            }
            bench.submit(photo, clients, Duration.ofSeconds(warmup), false);
            Duration gatewayCpu = cpu(child);
            Duration ownCpu = cpu(ProcessHandle.current());
            List<String> jobs = bench.submit(photo, clients, Duration.ofSeconds(seconds), true);
            if (child != null && !jobs.isEmpty()) {
                System.out.printf(Locale.ROOT, "CPU per accepted submission: gateway %.1f ms; broker + S3 server +"
                                + " benchmark client (this JVM) %.1f ms%n",
                        cpu(child).minus(gatewayCpu).toNanos() / 1e6 / jobs.size(),
                        cpu(ProcessHandle.current()).minus(ownCpu).toNanos() / 1e6 / jobs.size());
            }
            bench.read(jobs, rate, Duration.ofSeconds(2), false);
            bench.read(jobs, rate, Duration.ofSeconds(readSeconds), true);
        } catch (Exception e) {
            e.printStackTrace();
            status = 1;
        } finally {
            if (child != null) {
                child.destroy();
                child.waitFor();
            }
        }
        // The embedded broker and the MinIO client keep non-daemon threads alive.
        System.exit(status);
    }

    /**
     * What one submission costs at least in the servers it waits for: an S3 put of the photo and an acknowledged
     * Kafka record, measured from this JVM one at a time.
     */
    private static void dependencies(byte[] photo) throws Exception {
        int rounds = 200;
        long[] puts = new long[rounds];
        long[] sends = new long[rounds];
        var store = EmbeddedS3.store();
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, String>(Map.of(
                "bootstrap.servers", EmbeddedKafka.start(),
                "key.serializer", "org.apache.kafka.common.serialization.StringSerializer",
                "value.serializer", "org.apache.kafka.common.serialization.StringSerializer"))) {
            for (int i = 0; i < rounds; i++) {
                long start = System.nanoTime();
                store.put("bench/photo-" + i + ".jpg", photo, "image/jpeg");
                puts[i] = System.nanoTime() - start;
                start = System.nanoTime();
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("bench.probe", "k" + i,
                        SPEC)).get();
                sends[i] = System.nanoTime() - start;
            }
        }
        Arrays.sort(puts);
        Arrays.sort(sends);
        System.out.printf(Locale.ROOT, "dependencies, one at a time: S3 put of the photo p50 %.1f ms, p99 %.1f ms;"
                        + " acknowledged Kafka send p50 %.1f ms, p99 %.1f ms%n", percentile(puts, 50),
                percentile(puts, 99), percentile(sends, 50), percentile(sends, 99));
    }

    private static Duration cpu(Process process) {
        return process == null ? Duration.ZERO : cpu(process.toHandle());
    }

    private static Duration cpu(ProcessHandle process) {
        return process.info().totalCpuDuration().orElse(Duration.ZERO);
    }

    /** Submits from {@code clients} threads back to back for {@code duration}; returns the accepted job ids. */
    private List<String> submit(byte[] photo, int clients, Duration duration, boolean report) throws Exception {
        String boundary = "bench-boundary";
        byte[] body = multipart(boundary, photo);
        HttpRequest request = HttpRequest.newBuilder(gateway.resolve("/v1/jobs"))
                .header("X-API-Key", apiKey)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        ConcurrentLinkedQueue<String> accepted = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        AtomicLong failed = new AtomicLong();
        ConcurrentLinkedQueue<String> firstErrors = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(clients, daemon());
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        List<Future<?>> workers = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            workers.add(pool.submit(() -> {
                while (System.nanoTime() < end) {
                    long sent = System.nanoTime();
                    try {
                        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                        latencies.add(System.nanoTime() - sent);
                        Matcher id = JOB_ID.matcher(response.body());
                        if (response.statusCode() == 202 && id.find()) {
                            accepted.add(id.group(1));
                        } else {
                            failed.incrementAndGet();
                            if (firstErrors.size() < 3) {
                                firstErrors.add(response.statusCode() + " " + response.body());
                            }
                        }
                    } catch (IOException | InterruptedException e) {
                        failed.incrementAndGet();
                        if (firstErrors.size() < 3) {
                            firstErrors.add(e.toString());
                        }
                    }
                }
                return null;
            }));
        }
        for (Future<?> worker : workers) {
            worker.get();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        if (report) {
            long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            System.out.printf(Locale.ROOT, "submissions: %d accepted, %d failed in %.1f s with %d clients ="
                            + " %.1f submissions/s (latency p50 %.1f ms, p99 %.1f ms)%n",
                    accepted.size(), failed.get(), elapsed, clients, accepted.size() / elapsed,
                    percentile(sorted, 50), percentile(sorted, 99));
            firstErrors.forEach(e -> System.out.println("  error: " + e));
        }
        return new ArrayList<>(accepted);
    }

    /** Reads job status at a fixed rate, open loop; prints the latency percentiles. */
    private void read(List<String> jobs, int rate, Duration duration, boolean report) throws Exception {
        if (jobs.isEmpty()) {
            throw new IllegalStateException("no job was accepted, nothing to read");
        }
        int total = (int) (rate * duration.toSeconds());
        long interval = 1_000_000_000L / rate;
        long[] latencies = new long[total];
        int[] statuses = new int[total];
        List<CompletableFuture<?>> pending = new ArrayList<>(total);
        long start = System.nanoTime() + 10_000_000L;
        for (int i = 0; i < total; i++) {
            long due = start + i * interval;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            int n = i;
            HttpRequest request = HttpRequest.newBuilder(gateway.resolve("/v1/jobs/" + jobs.get(i % jobs.size())))
                    .header("X-API-Key", apiKey).timeout(Duration.ofSeconds(10)).GET().build();
            pending.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
                    .handle((response, error) -> {
                        latencies[n] = System.nanoTime() - due;
                        statuses[n] = error == null ? response.statusCode() : -1;
                        return null;
                    }));
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get();
        double elapsed = (System.nanoTime() - start) / 1e9;
        if (report) {
            long[] sorted = latencies.clone();
            Arrays.sort(sorted);
            long ok = Arrays.stream(statuses).filter(s -> s == 200).count();
            System.out.printf(Locale.ROOT, "status reads: %d at %d req/s over %.1f s (%d answered 200): p50 %.2f ms,"
                            + " p99 %.2f ms, max %.2f ms%n", total, rate, elapsed, ok, percentile(sorted, 50),
                    percentile(sorted, 99), sorted[sorted.length - 1] / 1e6);
        }
    }

    private void awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(gateway.resolve("/q/health/ready"))
                        .GET().build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
                last = response.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the gateway at " + gateway + " did not become ready: " + last);
    }

    private static Process startGateway(int port, String key) throws IOException {
        Path jar = Path.of(System.getProperty("gateway.jar", "gateway/target/quarkus-app/quarkus-run.jar"));
        if (!Files.exists(jar)) {
            jar = Path.of("target/quarkus-app/quarkus-run.jar");
        }
        if (!Files.exists(jar)) {
            throw new IllegalStateException("the packaged gateway is missing: run ./mvnw -pl gateway package first");
        }
        String kafka = EmbeddedKafka.start();
        String s3 = EmbeddedS3.start();
        Path stateDir = Files.createTempDirectory("gateway-bench-");
        Path log = jar.toAbsolutePath().getParent().getParent().resolve("bench-gateway.log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                System.getProperty("gateway.jvm-option", "-Dgateway.bench=true"),
                "-Dquarkus.http.port=" + port,
                "-Dkafka.bootstrap.servers=" + kafka,
                "-Ddreamid.storage.endpoint=" + s3,
                "-Ddreamid.storage.access-key=" + EmbeddedS3.ACCESS_KEY,
                "-Ddreamid.storage.secret-key=" + EmbeddedS3.SECRET_KEY,
                "-Ddreamid.storage.bucket=" + EmbeddedS3.BUCKET,
                "-Ddreamid.gateway.api-keys=bench:" + ApiKeys.hashHex(key),
                "-Dkafka-streams.state.dir=" + stateDir,
                "-Dquarkus.log.level=WARN",
                "-jar", jar.toString()));
        System.out.println("starting the gateway: log in " + log);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** A noisy JPEG close to {@code bytes} in size, like a phone photo scaled down. */
    private static byte[] photoOfAbout(int bytes) {
        int side = 64;
        byte[] jpeg = TestImages.jpeg(side, side, 1);
        while (jpeg.length < bytes * 0.9 && side < 4096) {
            side = (int) Math.ceil(side * Math.sqrt((double) bytes / jpeg.length));
            jpeg = TestImages.jpeg(side, side, 1);
        }
        return jpeg;
    }

    private static byte[] multipart(String boundary, byte[] photo) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"spec\"\r\n"
                + "Content-Type: application/json\r\n\r\n" + SPEC + "\r\n--" + boundary
                + "\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"me.jpg\"\r\n"
                + "Content-Type: image/jpeg\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        out.writeBytes(photo);
        out.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static double percentile(long[] sortedNanos, int p) {
        if (sortedNanos.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(p / 100.0 * sortedNanos.length) - 1;
        return sortedNanos[Math.max(0, Math.min(index, sortedNanos.length - 1))] / 1e6;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static java.util.concurrent.ThreadFactory daemon() {
        return runnable -> {
            Thread thread = new Thread(runnable);
            thread.setDaemon(true);
            return thread;
        };
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("options are --name value pairs, got " + String.join(" ", args));
            }
            options.put(args[i].substring(2), args[++i]);
        }
        return options;
    }
}
