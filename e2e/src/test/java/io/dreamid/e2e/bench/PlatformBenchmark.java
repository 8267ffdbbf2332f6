package io.dreamid.e2e.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dreamid.common.Topics;
import io.dreamid.testsupport.EmbeddedKafka;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
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
import java.time.Duration;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

/**
 * Runs N jobs through the whole platform and prints end-to-end latency p50/p95, throughput, and the
 * orchestration overhead per job: end-to-end time minus the model run times the stages report in their events
 * (face detection, encoder backbone and projector, text encoding, denoising, VAE decoding).
 *
 * <p>Usage: {@code PlatformBenchmark [--gateway URL --api-key KEY] [--jobs N] [--concurrency C] [--steps S]
 * [--warmup W] [--trace K]}. {@code --trace K} runs K more jobs and prints where their time went, from the
 * records written about them (embedded platform only).
 * Without --gateway it starts the platform in this JVM's test harness (embedded broker and S3, services as
 * processes). Run: {@code ./mvnw -B -pl e2e test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.dreamid.e2e.bench.PlatformBenchmark -Dexec.args="--jobs 20"}.
 */
public final class PlatformBenchmark {
    private static final Set<String> MODEL_TIMINGS = Set.of("face.detect", "encoder.backbone", "encoder.projector",
            "diffusion.text_encode", "diffusion.denoise", "diffusion.decode");
    /** Warm-up jobs per printed block. */
    private static final int WARMUP_BLOCK = 50;
    private static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED");
    /** The gateway's compacted view topic (its default {@code dreamid.gateway.job-state-topic}). */
    private static final String JOB_STATE_TOPIC = "dreamid.job-state";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI gateway;
    private final String apiKey;
    private final HttpClient http = HttpClient.newHttpClient();

    PlatformBenchmark(URI gateway, String apiKey) {
        this.gateway = gateway;
        this.apiKey = apiKey;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = options(args);
        int jobs = Integer.parseInt(opts.getOrDefault("--jobs", "20"));
        int concurrency = Integer.parseInt(opts.getOrDefault("--concurrency", "2"));
        int steps = Integer.parseInt(opts.getOrDefault("--steps", "4"));
        int warmup = Integer.parseInt(opts.getOrDefault("--warmup", "300"));
        int trace = Integer.parseInt(opts.getOrDefault("--trace", "0"));
        runAndExit(opts, (bench, embedded) -> {
            bench.run(jobs, concurrency, steps, warmup);
            if (trace > 0) {
                if (!embedded) {
                    throw new IllegalArgumentException("--trace reads the embedded broker; leave out --gateway");
                }
                bench.trace(steps, trace);
            }
        });
    }

    /** What a benchmark does with a client of the gateway; {@code embedded} when the platform runs here. */
    interface Body {
        void run(PlatformBenchmark client, boolean embedded) throws Exception;
    }

    /**
     * Runs {@code body} against {@code --gateway} with {@code --api-key}, or against a platform started here (the
     * embedded broker and S3 server, the services as processes) and stopped after; exits the JVM, with status 0
     * only when the body completed (the broker's threads would otherwise keep it alive).
     */
    static void runAndExit(Map<String, String> opts, Body body) {
        AutoCloseable platform = null;
        int status = 1;
        try {
            URI gateway;
            String key;
            if (opts.containsKey("--gateway")) {
                gateway = URI.create(opts.get("--gateway"));
                key = opts.get("--api-key");
            } else {
                // Inside the try: a service that fails to start must end the run, not leave the broker's threads
                // holding the JVM open.
                io.dreamid.e2e.PlatformAccess access = io.dreamid.e2e.PlatformAccess.start();
                platform = access;
                gateway = access.gateway();
                key = access.apiKey();
            }
            body.run(new PlatformBenchmark(gateway, key), platform != null);
            status = 0;
        } catch (Exception | Error e) {
            e.printStackTrace();
        } finally {
            if (platform != null) {
                try {
                    platform.close();
                } catch (Exception e) {
                    e.printStackTrace();
                }
            }
            System.exit(status);
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
        // Their overheads are printed by block: how long a fresh platform takes to reach its pace.
        List<Long> warming = new ArrayList<>();
        for (int i = 0; i < warmup; i++) {
            long[] r = runJob(face, spec);
            if (r != null) {
                warming.add(r[0] - r[1]);
            }
        }
        if (!warming.isEmpty()) {
            StringBuilder blocks = new StringBuilder();
            for (int from = 0; from < warming.size(); from += WARMUP_BLOCK) {
                List<Long> block = warming.subList(from, Math.min(warming.size(), from + WARMUP_BLOCK));
                blocks.append(blocks.length() == 0 ? "" : ", ").append(pct(block, 50));
            }
            System.out.printf(Locale.ROOT, "warm-up: orchestration overhead p50 ms per block of %d jobs, fresh JVMs"
                    + " first: %s%n", WARMUP_BLOCK, blocks);
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

    /** The hand-offs of a job, each named by the record that ends it: topic and event id suffix. */
    private static final List<String[]> SEGMENTS = List.of(
            new String[] {"gateway: upload to job published", Topics.JOBS, null},
            new String[] {"hop to the face-service", Topics.JOB_EVENTS, "face:detecting"},
            new String[] {"face-service", Topics.FACES, null},
            new String[] {"hop to the encoder-service", Topics.JOB_EVENTS, "encoder:encoding"},
            new String[] {"encoder-service", Topics.IDENTITIES, null},
            new String[] {"hop to the diffusion-service", Topics.JOB_EVENTS, "diffusion:generating"},
            new String[] {"diffusion-service", Topics.JOB_EVENTS, "diffusion:succeeded"});

    /**
     * Runs {@code count} more jobs one at a time and prints where their time went: the median of each hand-off
     * (from the broker timestamps of the records written about each job, i.e. the producers' send times) and of
     * each stage timing, then the full time line of the last job.
     */
    private void trace(int steps, int count) throws Exception {
        byte[] face;
        try (InputStream in = PlatformBenchmark.class.getResourceAsStream("/faces/grace_hopper.jpg")) {
            face = in.readAllBytes();
        }
        String spec = "{\"prompts\":[\"a photo of {id} as an astronaut\"],\"steps\":" + steps
                + ",\"width\":64,\"height\":64}";
        long first = System.currentTimeMillis();
        List<Traced> traced = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long submitted = System.currentTimeMillis();
            HttpResponse<String> accepted = submit("/v1/jobs", face, spec);
            long answered = System.currentTimeMillis();
            String jobId = JSON.readTree(accepted.body()).path("jobId").asText();
            JsonNode job = awaitTerminal(jobId);
            traced.add(new Traced(jobId, submitted, answered, System.currentTimeMillis(), job, new ArrayList<>()));
        }
        Map<String, Traced> byId = new java.util.HashMap<>();
        traced.forEach(t -> byId.put(t.jobId(), t));
        readRecords(first, byId);

        Map<String, List<Long>> segments = new java.util.LinkedHashMap<>();
        Map<String, List<Long>> timings = new java.util.TreeMap<>();
        for (Traced t : traced) {
            long previous = t.submitted();
            for (String[] segment : SEGMENTS) {
                Long at = t.timestampOf(segment[1], segment[2]);
                if (at != null) {
                    segments.computeIfAbsent(segment[0], k -> new ArrayList<>()).add(at - previous);
                    previous = at;
                }
            }
            segments.computeIfAbsent("gateway: last event to the client seeing it", k -> new ArrayList<>())
                    .add(t.seen() - previous);
            segments.computeIfAbsent("end to end", k -> new ArrayList<>()).add(t.seen() - t.submitted());
            t.job().path("timings").fields().forEachRemaining(
                    e -> timings.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue().asLong()));
        }
        System.out.printf(Locale.ROOT, "where the time of %d jobs went (medians, ms):%n", count);
        segments.forEach((name, values) -> System.out.printf(Locale.ROOT, "  %-45s %5d%n", name, pct(values, 50)));
        System.out.println("  stage timings:");
        timings.forEach((name, values) -> System.out.printf(Locale.ROOT, "    %-43s %5d%n", name, pct(values, 50)));

        Traced last = traced.get(traced.size() - 1);
        System.out.printf(Locale.ROOT, "time line of job %s (ms after the submission was sent):%n", last.jobId());
        System.out.printf(Locale.ROOT, "  %5d         gateway answered 202%n", last.answered() - last.submitted());
        long previous = last.submitted();
        for (ConsumerRecord<String, String> r : last.records()) {
            System.out.printf(Locale.ROOT, "  %5d  (+%3d)  %-20s %s%n", r.timestamp() - last.submitted(),
                    r.timestamp() - previous, r.topic(), describe(r, last.jobId()));
            previous = r.timestamp();
        }
        System.out.printf(Locale.ROOT, "  %5d  (+%3d)  client saw %s%n", last.seen() - last.submitted(),
                last.seen() - previous, last.job().path("status").asText());
    }

    /** Every record about the traced jobs since {@code from}, in broker-timestamp order per job. */
    private static void readRecords(long from, Map<String, Traced> jobs) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, EmbeddedKafka.start());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(Topics.JOBS, Topics.FACES, Topics.IDENTITIES, Topics.JOB_EVENTS,
                    JOB_STATE_TOPIC)) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            Map<TopicPartition, OffsetAndTimestamp> start = consumer.offsetsForTimes(partitions.stream()
                    .collect(Collectors.toMap(p -> p, p -> from - 1)));
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            for (TopicPartition p : partitions) {
                consumer.seek(p, start.get(p) == null ? end.get(p) : start.get(p).offset());
            }
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    Traced t = r.key() == null ? null : jobs.get(r.key());
                    if (t != null) {
                        t.records().add(r);
                    }
                }
            }
        }
        jobs.values().forEach(t -> t.records().sort(Comparator.comparingLong(ConsumerRecord::timestamp)));
    }

    private static String describe(ConsumerRecord<String, String> r, String jobId) {
        if (r.topic().equals(Topics.JOB_EVENTS)) {
            return eventName(r, jobId);
        }
        if (r.topic().equals(JOB_STATE_TOPIC)) {
            try {
                return "view " + JSON.readTree(r.value()).path("status").asText();
            } catch (IOException e) {
                return "view (unreadable)";
            }
        }
        return "message";
    }

    /** The event id without the job id: stage:status[:step]. */
    private static String eventName(ConsumerRecord<String, String> r, String jobId) {
        try {
            return JSON.readTree(r.value()).path("eventId").asText().replace(jobId + ":", "");
        } catch (IOException e) {
            return "(unreadable)";
        }
    }

    /** A traced job: when it was sent, answered and seen ended, and the records written about it. */
    private record Traced(String jobId, long submitted, long answered, long seen, JsonNode job,
            List<ConsumerRecord<String, String>> records) {
        /** The timestamp of the first record on {@code topic} (with that event name, for events), or null. */
        Long timestampOf(String topic, String event) {
            for (ConsumerRecord<String, String> r : records) {
                if (r.topic().equals(topic) && (event == null || eventName(r, jobId).equals(event))) {
                    return r.timestamp();
                }
            }
            return null;
        }
    }

    /**
     * Follows the job's server-sent events, as the CLI and the web page do, until a terminal state; returns it.
     * (A client polling the status in a tight loop would load the gateway it is measuring.)
     */
    JsonNode awaitTerminal(String jobId) throws IOException, InterruptedException {
        HttpResponse<java.util.stream.Stream<String>> response = http.send(
                HttpRequest.newBuilder(gateway.resolve("/v1/jobs/" + jobId + "/events"))
                        .header("X-API-Key", apiKey).header("Accept", "text/event-stream").build(),
                HttpResponse.BodyHandlers.ofLines());
        try (java.util.stream.Stream<String> lines = response.body()) {
            for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
                String line = it.next();
                if (line.startsWith("data:")) {
                    JsonNode state = JSON.readTree(line.substring(5).strip());
                    if (TERMINAL.contains(state.path("status").asText())) {
                        return state;
                    }
                }
            }
        }
        // The stream ended without a terminal state (the gateway restarted): read the job instead.
        return JSON.readTree(http.send(HttpRequest.newBuilder(gateway.resolve("/v1/jobs/" + jobId))
                .header("X-API-Key", apiKey).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    /** Returns {end-to-end ms, sum of model ms}, or null if the job did not succeed. */
    private long[] runJob(byte[] face, String spec) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        HttpResponse<String> accepted = submit("/v1/jobs", face, spec);
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

    /** A JSON submission ({@code POST /v1/jobs} with a JSON body). */
    HttpResponse<String> submitJson(String json) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(gateway.resolve("/v1/jobs")).header("X-API-Key", apiKey)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A multipart submission with the photo as the part {@code photo} ({@code identities} for an identity job). */
    HttpResponse<String> submit(String path, byte[] photo, String spec) throws IOException, InterruptedException {
        String boundary = "bench" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(((spec == null ? "" : "--" + boundary + "\r\nContent-Disposition: form-data; name=\"spec\"\r\n"
                + "Content-Type: application/json\r\n\r\n" + spec + "\r\n") + "--" + boundary
                + "\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"face.jpg\"\r\n"
                + "Content-Type: image/jpeg\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(photo);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return http.send(HttpRequest.newBuilder(gateway.resolve(path)).header("X-API-Key", apiKey)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static long pct(List<Long> values, int p) {
        if (values.isEmpty()) {
            return -1;
        }
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    static Map<String, String> options(String[] args) {
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
