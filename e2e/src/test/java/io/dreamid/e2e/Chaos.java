package io.dreamid.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.dreamid.common.Topics;
import io.dreamid.testsupport.EmbeddedKafka;
import io.dreamid.testsupport.EmbeddedS3;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Jobs through the whole platform while its processes are killed: every {@code killEvery} one target is taken down,
 * a stage service with SIGKILL and a restart (a crash, an OOM kill, a lost node), or object storage made unreachable
 * for {@code storageOutage} (refusing connections like a dead server, or accepting them and never answering like a
 * paused one); then every job is checked: SUCCEEDED with exactly its images. Prints succeeded/failed/lost/duplicated
 * counts, the images that redelivered work kept instead of generating again, and the UNet evaluations spent again.
 *
 * <p>The broker runs inside the test JVM and is not a target; the gateway is not one either (a killed gateway
 * refuses submissions, which its clients retry with an Idempotency-Key; jobs already accepted are in Kafka).
 *
 * <p>Command: {@code ./mvnw -B -pl e2e -am test-compile exec:java -Dbench=e2e -De2e.main=io.dreamid.e2e.Chaos
 * -Dexec.args="--jobs 200 --kill-every 6 --kills 10"}; exits 1 when a job did not succeed once with its images. A
 * CI-sized run (20 jobs, 3 kills including a 15 s storage outage) is {@code ChaosE2EIT}.
 */
public final class Chaos {
    /** What can be taken down. */
    public static final List<String> STAGES = List.of("face-service", "encoder-service", "diffusion-service");
    public static final String STORAGE = "storage";
    /** DDIM: one UNet evaluation per step, so that evaluations per image equal the steps. */
    private static final String SPEC = "{\"prompts\":[\"a photo of {id}\"],\"imagesPerPrompt\":%d,\"steps\":%d,"
            + "\"scheduler\":\"ddim\",\"width\":64,\"height\":64,\"seed\":%d}";
    private static final int STEPS = 6;
    /** Makes this run's Idempotency-Keys its own. */
    private static final String RUN = Long.toHexString(System.currentTimeMillis());

    /**
     * What a run does: {@code jobs} jobs of {@code images} images, one submitted every {@code submitEvery}, while
     * {@code targets} are taken down in turn, one every {@code killEvery}; storage stays away for
     * {@code storageOutage}, hung (connections accepted, no answer) when {@code storageHangs}, else refusing
     * connections; every job must have ended within {@code deadline} after the last submission.
     */
    public record Plan(int jobs, int images, Duration submitEvery, List<String> targets, Duration killEvery,
            Duration storageOutage, boolean storageHangs, Duration deadline) {
    }

    /** The outcome of a run. */
    public record Report(int submitted, int succeeded, int failed, int lost, int duplicated, long imagesReused,
            long stepsSpentAgain, long stepsNeeded, List<String> kills, List<String> problems) {
        public String summary() {
            return String.format(Locale.ROOT, "jobs: %d submitted, %d succeeded, %d failed, %d lost, %d duplicated;"
                    + " images kept from redelivered work: %d; UNet evaluations spent again: %d of %d needed"
                    + " (%.2f%%); kills: %s", submitted, succeeded, failed, lost, duplicated, imagesReused,
                    stepsSpentAgain, stepsNeeded, stepsNeeded == 0 ? 0.0 : 100.0 * stepsSpentAgain / stepsNeeded,
                    kills);
        }
    }

    private Chaos() {
    }

    /** Runs the plan on the platform and checks every job. */
    static Report run(Platform platform, Plan plan, PrintStream log) throws InterruptedException {
        GatewayApi api = new GatewayApi(platform.gateway(), Platform.API_KEY);
        byte[] face = face();
        long startedAt = System.currentTimeMillis();
        List<String> ids = Collections.synchronizedList(new ArrayList<>());
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger submittedCount = new AtomicInteger();
        Thread submitter = new Thread(() -> {
            for (int i = 0; i < plan.jobs(); i++) {
                String id;
                try {
                    id = submit(api, face, plan.images(), i, problems);
                } catch (RuntimeException | AssertionError e) {
                    problems.add("submission " + i + " failed: " + e);
                    id = null;
                }
                ids.add(id);
                submittedCount.incrementAndGet();
                pause(plan.submitEvery());
            }
        }, "chaos-submit");
        submitter.start();

        List<String> kills = new ArrayList<>();
        for (String target : plan.targets()) {
            pause(plan.killEvery());
            long t0 = System.nanoTime();
            if (target.equals(STORAGE)) {
                if (plan.storageHangs()) {
                    platform.storage().hang();
                } else {
                    platform.storage().refuse();
                }
                pause(plan.storageOutage());
                platform.storage().heal();
            } else {
                platform.kill(target);
            }
            String what = target + (target.equals(STORAGE) ? (plan.storageHangs() ? " hung " : " down ")
                    : " killed, back in ") + (System.nanoTime() - t0) / 1_000_000 + " ms";
            kills.add(what);
            log.printf("chaos: %s (%d jobs submitted)%n", what, submittedCount.get());
        }
        submitter.join();

        int succeeded = 0;
        int failed = 0;
        int lost = 0;
        int duplicated = 0;
        long reused = 0;
        long end = System.nanoTime() + plan.deadline().toNanos();
        Set<String> done = new HashSet<>();
        for (String id : ids) {
            if (id == null) {
                lost++;
                continue;
            }
            JsonNode job = awaitTerminal(api, id, end);
            String status = job == null ? "UNKNOWN" : job.path("status").asText();
            int stored = EmbeddedS3.store().list("outputs/" + id + "/").size();
            if (stored > plan.images()) {
                duplicated++;
                problems.add(id + ": " + stored + " images stored, " + plan.images() + " expected");
            }
            switch (status) {
                case "SUCCEEDED" -> {
                    if (job.path("images").size() == plan.images() && stored == plan.images()) {
                        succeeded++;
                        done.add(id);
                    } else {
                        failed++;
                        problems.add(id + ": SUCCEEDED with " + job.path("images").size() + " images listed, "
                                + stored + " stored");
                    }
                    reused += job.path("timings").path("diffusion.images_reused").asLong();
                }
                case "FAILED", "CANCELLED" -> {
                    failed++;
                    problems.add(id + ": " + status + " " + job.path("error"));
                }
                default -> {
                    lost++;
                    problems.add(id + ": not finished (" + status + ")");
                }
            }
        }
        long perJob = (long) plan.images() * STEPS;
        long spentAgain = stepsSpentAgain(readDiffusionEvents(startedAt, done), perJob);
        return new Report(plan.jobs(), succeeded, failed, lost, duplicated, reused, spentAgain,
                perJob * done.size(), kills, problems);
    }

    /**
     * The UNet evaluations run more than once, from the diffusion stage's events of the jobs that succeeded: each
     * delivery of a job starts with a GENERATING event without a step, then reports {@code step-N} (N counts the
     * job's evaluations, images kept from an earlier delivery included) at every evaluation (the platform sets the
     * progress step to 0); the SUCCEEDED event gives the images the last delivery kept. A delivery that was
     * interrupted ran from its first reported step to its last; the last one ran what it did not keep. What all
     * deliveries ran beyond the job's own {@code perJob} evaluations was spent again. A lower bound: the last
     * progress events of a killed process may not have left it.
     */
    static long stepsSpentAgain(Map<String, List<JsonNode>> eventsByJob, long perJob) {
        long total = 0;
        for (List<JsonNode> events : eventsByJob.values()) {
            long ran = 0;
            long first = -1;
            long last = -1;
            for (JsonNode e : events) {
                String status = e.path("status").asText();
                String[] id = e.path("eventId").asText().split(":");
                String step = id[id.length - 1];
                if (status.equals("GENERATING") && !step.startsWith("step-")) {
                    ran += first < 0 ? 0 : last - first + 1; // a new delivery: the previous one ended
                    first = -1;
                    last = -1;
                } else if (status.equals("GENERATING")) {
                    long n = Long.parseLong(step.substring("step-".length()));
                    first = first < 0 ? n : Math.min(first, n);
                    last = Math.max(last, n);
                } else if (status.equals("SUCCEEDED")) {
                    long kept = e.path("timings").path("diffusion.images_reused").asLong() * (perJob
                            / Math.max(1, e.path("outputs").size()));
                    ran += perJob - kept;
                    first = -1;
                    last = -1;
                }
            }
            total += Math.max(0, ran - perJob);
        }
        return total;
    }

    /** The diffusion stage's events of {@code jobs} since {@code fromMillis}, in order per job. */
    private static Map<String, List<JsonNode>> readDiffusionEvents(long fromMillis, Set<String> jobs) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, EmbeddedKafka.start());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        Map<String, List<JsonNode>> byJob = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.JOB_EVENTS).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            Map<TopicPartition, OffsetAndTimestamp> start = consumer.offsetsForTimes(partitions.stream()
                    .collect(Collectors.toMap(p -> p, p -> fromMillis - 1)));
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            for (TopicPartition p : partitions) {
                consumer.seek(p, start.get(p) == null ? end.get(p) : start.get(p).offset());
            }
            // One job's events share a key, hence a partition: poll order is their order.
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() == null || !jobs.contains(r.key())) {
                        continue;
                    }
                    JsonNode event = GatewayApi.json(r.value());
                    if (event.path("stage").asText().equals("DIFFUSION")) {
                        byJob.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(event);
                    }
                }
            }
        }
        return byJob;
    }

    /** A target list of {@code count} random picks among the stages and storage, from {@code seed}. */
    static List<String> randomTargets(int count, long seed) {
        List<String> all = new ArrayList<>(STAGES);
        all.add(STORAGE);
        Random random = new Random(seed);
        List<String> targets = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            targets.add(all.get(random.nextInt(all.size())));
        }
        return targets;
    }

    /**
     * Submits job {@code i} as a client that retries does: with an Idempotency-Key, again after a 503 (a dependency
     * of the gateway is down; its Retry-After is honoured) or after no answer at all (a hung dependency can hold the
     * request past the client's time-out), for up to two minutes. The key makes a repeat return the first job.
     */
    private static String submit(GatewayApi api, byte[] face, int images, int i, List<String> problems) {
        String key = "chaos-" + RUN + "-" + i;
        String spec = String.format(Locale.ROOT, SPEC, images, STEPS, i);
        long end = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        String last = "no answer";
        while (System.nanoTime() < end) {
            HttpResponse<String> r = api.trySubmitPhoto(face, "grace.jpg", spec, key);
            if (r != null && r.statusCode() == 202) {
                return GatewayApi.json(r.body()).path("jobId").asText();
            }
            if (r != null && r.statusCode() != 503) {
                problems.add("submission " + i + " refused: " + r.statusCode() + " " + r.body());
                return null;
            }
            last = r == null ? "no answer" : "503 " + r.body();
            pause(Duration.ofSeconds(r == null ? 0 : r.headers().firstValueAsLong("Retry-After").orElse(1)));
        }
        problems.add("submission " + i + " not accepted within two minutes (last: " + last + ")");
        return null;
    }

    private static JsonNode awaitTerminal(GatewayApi api, String id, long endNanos) {
        JsonNode last = null;
        while (true) {
            last = api.job(id);
            if (last != null && GatewayApi.TERMINAL.contains(last.path("status").asText())) {
                return last;
            }
            if (System.nanoTime() > endNanos) {
                return last;
            }
            pause(Duration.ofMillis(200));
        }
    }

    private static byte[] face() {
        try (InputStream in = Chaos.class.getResourceAsStream("/faces/grace_hopper.jpg")) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void pause(Duration d) {
        Platform.pause(d.toMillis());
    }

    public static void main(String[] args) throws Exception {
        int jobs = 200;
        int images = 2;
        int kills = 10;
        Duration killEvery = Duration.ofSeconds(6);
        Duration outage = Duration.ofSeconds(15);
        boolean hang = false;
        List<String> targets = null;
        long seed = 1;
        Duration submitEvery = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--jobs" -> jobs = Integer.parseInt(args[++i]);
                case "--images" -> images = Integer.parseInt(args[++i]);
                case "--kills" -> kills = Integer.parseInt(args[++i]);
                case "--kill-every" -> killEvery = Duration.ofSeconds(Long.parseLong(args[++i]));
                case "--storage-outage" -> outage = Duration.ofSeconds(Long.parseLong(args[++i]));
                case "--storage-hangs" -> hang = true;
                case "--targets" -> targets = List.of(args[++i].split(","));
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--submit-every" -> submitEvery = Duration.ofMillis(Long.parseLong(args[++i]));
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; options: --jobs N"
                        + " --images N --kills N --kill-every SECONDS --storage-outage SECONDS --storage-hangs"
                        + " --targets T1,T2,... (of " + STAGES + " and " + STORAGE + ") --seed N"
                        + " --submit-every MILLIS");
            }
        }
        if (targets == null) {
            targets = randomTargets(kills, seed);
        }
        for (String t : targets) {
            if (!t.equals(STORAGE) && !STAGES.contains(t)) {
                throw new IllegalArgumentException("unknown target " + t + "; targets: " + STAGES + ", " + STORAGE);
            }
        }
        Platform platform = Platform.start();
        Report report;
        try {
            // By default submissions spread over the kill phase, so that jobs are in every stage when targets go down.
            long phaseMillis = targets.size() * killEvery.toMillis() + 15_000L * targets.size();
            if (submitEvery == null) {
                submitEvery = Duration.ofMillis(Math.max(10, phaseMillis / Math.max(1, jobs)));
            }
            Plan plan = new Plan(jobs, images, submitEvery, targets, killEvery, outage, hang, Duration.ofMinutes(10));
            report = run(platform, plan, System.out);
            report.problems().forEach(p -> System.out.println("problem: " + p));
            System.out.println(report.summary());
        } finally {
            platform.close();
        }
        // The broker and the S3 server of the test harness keep non-daemon threads: exit with the verdict.
        System.exit(report.problems().isEmpty() && report.succeeded() == jobs ? 0 : 1);
    }
}
