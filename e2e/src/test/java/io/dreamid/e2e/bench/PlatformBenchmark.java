package io.dreamid.e2e.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dreamid.common.Topics;
import io.dreamid.testsupport.EmbeddedKafka;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs N jobs through the whole platform and prints end-to-end latency p50/p95, throughput, and the
 * orchestration overhead per job: end-to-end time minus the model run times the stages report in their events
 * (face detection, encoder backbone and projector, text encoding, denoising, VAE decoding).
 *
 * <p>Usage: {@code PlatformBenchmark [--gateway URL --api-key KEY] [--jobs N] [--concurrency C] [--steps S]
 * [--warmup W] [--trace true]}. {@code --trace true} runs one more job and prints the time line of every record
 * written about it (embedded platform only).
 * Without --gateway it starts the platform in this JVM's test harness (embedded broker and S3, services as
 * processes). Run: {@code ./mvnw -B -pl e2e test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.dreamid.e2e.bench.PlatformBenchmark -Dexec.args="--jobs 20"}.
 */
public final class PlatformBenchmark {
    private static final Set<String> MODEL_TIMINGS = Set.of("face.detect", "encoder.backbone", "encoder.projector",
            "diffusion.text_encode", "diffusion.denoise", "diffusion.decode");
    private static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED");
    /** The gateway's compacted view topic (its default {@code dreamid.gateway.job-state-topic}). */
    private static final String JOB_STATE_TOPIC = "dreamid.job-state";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI gateway;
    private final String apiKey;
    private final HttpClient http = HttpClient.newHttpClient();

    private PlatformBenchmark(URI gateway, String apiKey) {
        this.gateway = gateway;
        this.apiKey = apiKey;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = options(args);
        int jobs = Integer.parseInt(opts.getOrDefault("--jobs", "20"));
        int concurrency = Integer.parseInt(opts.getOrDefault("--concurrency", "2"));
        int steps = Integer.parseInt(opts.getOrDefault("--steps", "4"));
        int warmup = Integer.parseInt(opts.getOrDefault("--warmup", "10"));
        boolean trace = Boolean.parseBoolean(opts.getOrDefault("--trace", "false"));
        AutoCloseable platform = null;
        URI gateway;
        String key;
        if (opts.containsKey("--gateway")) {
            gateway = URI.create(opts.get("--gateway"));
            key = opts.get("--api-key");
        } else {
            io.dreamid.e2e.PlatformAccess access = io.dreamid.e2e.PlatformAccess.start();
            platform = access;
            gateway = access.gateway();
            key = access.apiKey();
        }
        try {
            PlatformBenchmark bench = new PlatformBenchmark(gateway, key);
            bench.run(jobs, concurrency, steps, warmup);
            if (trace) {
                if (platform == null) {
                    throw new IllegalArgumentException("--trace reads the embedded broker; leave out --gateway");
                }
                bench.trace(steps);
            }
        } finally {
            if (platform != null) {
                platform.close();
            }
            System.exit(0);
        }
    }

    private void run(int jobs, int concurrency, int steps, int warmup) throws Exception {
        byte[] face;
        try (InputStream in = PlatformBenchmark.class.getResourceAsStream("/faces/grace_hopper.jpg")) {
            face = in.readAllBytes();
        }
        String spec = "{\"prompts\":[\"a photo of {id} as an astronaut\"],\"steps\":" + steps
                + ",\"width\":64,\"height\":64}";
        // Warm-up jobs, so that class loading, first ONNX runs and the JIT compiling the services' hot paths
        // (each service is a fresh JVM) do not count: the figures are those of a platform that has been serving.
        for (int i = 0; i < warmup; i++) {
            runJob(face, spec);
        }

        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        long start = System.nanoTime();
        List<Future<long[]>> futures = new ArrayList<>();
        for (int i = 0; i < jobs; i++) {
            futures.add(pool.submit(() -> runJob(face, spec)));
        }
        List<Long> latencies = new ArrayList<>();
        List<Long> overheads = new ArrayList<>();
        int failed = 0;
        for (Future<long[]> f : futures) {
            long[] r = f.get();
            if (r == null) {
                failed++;
                continue;
            }
            latencies.add(r[0]);
            overheads.add(r[0] - r[1]);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();

        System.out.printf(Locale.ROOT, "jobs: %d (%d failed) after %d warm-up jobs, concurrency %d, %d steps, 64x64,"
                + " tiny bundles%n", jobs, failed, warmup, concurrency, steps);
        System.out.printf(Locale.ROOT, "end-to-end latency ms: p50 %d, p95 %d%n", pct(latencies, 50), pct(latencies, 95));
        System.out.printf(Locale.ROOT, "throughput: %.1f jobs/min%n", latencies.size() / seconds * 60);
        System.out.printf(Locale.ROOT, "orchestration overhead ms (end-to-end minus model run times): p50 %d, p95 %d%n",
                pct(overheads, 50), pct(overheads, 95));
    }

    /**
     * Runs one more job and prints where its time went: every record the platform wrote about it, in the order
     * of their broker timestamps (the producers' send times), relative to the submission, then its stage timings.
     */
    private void trace(int steps) throws Exception {
        byte[] face;
        try (InputStream in = PlatformBenchmark.class.getResourceAsStream("/faces/grace_hopper.jpg")) {
            face = in.readAllBytes();
        }
        String spec = "{\"prompts\":[\"a photo of {id} as an astronaut\"],\"steps\":" + steps
                + ",\"width\":64,\"height\":64}";
        long submitted = System.currentTimeMillis();
        HttpResponse<String> accepted = submit(face, spec);
        long answered = System.currentTimeMillis();
        String jobId = JSON.readTree(accepted.body()).path("jobId").asText();
        JsonNode job = awaitTerminal(jobId);
        long seen = System.currentTimeMillis();

        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, EmbeddedKafka.start());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(Topics.JOBS, Topics.FACES, Topics.IDENTITIES, Topics.JOB_EVENTS,
                    JOB_STATE_TOPIC)) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndTimestamp> from = consumer.offsetsForTimes(partitions.stream()
                    .collect(java.util.stream.Collectors.toMap(p -> p, p -> submitted - 1)));
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            for (TopicPartition p : partitions) {
                consumer.seek(p, from.get(p) == null ? end.get(p) : from.get(p).offset());
            }
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, String> r : consumer.poll(java.time.Duration.ofMillis(200))) {
                    if (jobId.equals(r.key())) {
                        records.add(r);
                    }
                }
            }
        }
        records.sort(java.util.Comparator.comparingLong(ConsumerRecord::timestamp));
        System.out.printf(Locale.ROOT, "trace of job %s (ms after the submission was sent):%n", jobId);
        System.out.printf(Locale.ROOT, "  %5d  gateway answered 202%n", answered - submitted);
        long previous = answered;
        for (ConsumerRecord<String, String> r : records) {
            JsonNode v = JSON.readTree(r.value());
            String what = r.topic().equals(Topics.JOB_EVENTS)
                    ? v.path("eventId").asText().replace(jobId + ":", "")
                    : r.topic().equals(JOB_STATE_TOPIC) ? "view " + v.path("status").asText() : "message";
            System.out.printf(Locale.ROOT, "  %5d  (+%3d)  %-20s %s%n", r.timestamp() - submitted,
                    r.timestamp() - previous, r.topic(), what);
            previous = r.timestamp();
        }
        System.out.printf(Locale.ROOT, "  %5d  (+%3d)  client saw %s%n", seen - submitted, seen - previous,
                job.path("status").asText());
        System.out.println("  stage timings ms: " + job.path("timings"));
    }

    private JsonNode awaitTerminal(String jobId) throws IOException, InterruptedException {
        while (true) {
            JsonNode job = JSON.readTree(http.send(HttpRequest.newBuilder(gateway.resolve("/v1/jobs/" + jobId))
                    .header("X-API-Key", apiKey).build(), HttpResponse.BodyHandlers.ofString()).body());
            if (TERMINAL.contains(job.path("status").asText())) {
                return job;
            }
            Thread.sleep(5);
        }
    }

    /** Returns {end-to-end ms, sum of model ms}, or null if the job did not succeed. */
    private long[] runJob(byte[] face, String spec) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        HttpResponse<String> accepted = submit(face, spec);
        if (accepted.statusCode() != 202) {
            System.err.println("refused: " + accepted.body());
            return null;
        }
        String jobId = JSON.readTree(accepted.body()).path("jobId").asText();
        JsonNode job = awaitTerminal(jobId);
        long elapsed = (System.nanoTime() - t0) / 1_000_000;
        if (!job.path("status").asText().equals("SUCCEEDED")) {
            System.err.println("job " + jobId + " ended " + job.path("status").asText() + ": " + job.path("error"));
            return null;
        }
        long model = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = job.path("timings").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (MODEL_TIMINGS.contains(e.getKey())) {
                model += e.getValue().asLong();
            }
        }
        return new long[] {elapsed, model};
    }

    private HttpResponse<String> submit(byte[] photo, String spec) throws IOException, InterruptedException {
        String boundary = "bench" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"spec\"\r\n"
                + "Content-Type: application/json\r\n\r\n" + spec + "\r\n--" + boundary
                + "\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"face.jpg\"\r\n"
                + "Content-Type: image/jpeg\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(photo);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return http.send(HttpRequest.newBuilder(gateway.resolve("/v1/jobs")).header("X-API-Key", apiKey)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static long pct(List<Long> values, int p) {
        if (values.isEmpty()) {
            return -1;
        }
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> opts = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i], args[i + 1]);
        }
        if (args.length % 2 != 0) {
            throw new IllegalArgumentException("options come in pairs: " + Arrays.toString(args));
        }
        return opts;
    }
}
