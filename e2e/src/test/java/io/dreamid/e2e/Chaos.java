package io.dreamid.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.dreamid.testsupport.EmbeddedS3;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Jobs through the whole platform while its processes are killed: every {@code killEvery} one target is taken down,
 * a stage service with SIGKILL and a restart (a crash, an OOM kill, a lost node), or object storage made unreachable
 * for {@code storageOutage}; then every job is checked: SUCCEEDED with exactly its images. Prints
 * succeeded/failed/lost/duplicated counts and the images that redelivered work kept instead of generating again.
 *
 * <p>The broker runs inside the test JVM and is not a target; the gateway is not one either (a killed gateway
 * refuses submissions, which its clients retry with an Idempotency-Key; jobs already accepted are in Kafka).
 *
 * <p>Command: {@code ./mvnw -B -pl e2e -am test-compile exec:java -Dbench=e2e -De2e.main=io.dreamid.e2e.Chaos
 * -Dexec.args="--jobs 200 --kill-every 6 --kills 10"}; exits 1 when a job did not succeed once with its images. A CI-sized run (20
 * jobs, 3 kills including a 15 s storage outage) is {@code ChaosE2EIT}.
 */
public final class Chaos {
    /** What can be taken down. */
    public static final List<String> STAGES = List.of("face-service", "encoder-service", "diffusion-service");
    public static final String STORAGE = "storage";
    private static final String SPEC = "{\"prompts\":[\"a photo of {id}\"],\"imagesPerPrompt\":2,\"steps\":6,"
            + "\"width\":64,\"height\":64,\"seed\":%d}";
    private static final int IMAGES_PER_JOB = 2;

    /** The outcome of a run. */
    public record Report(int submitted, int succeeded, int failed, int lost, int duplicated, long imagesReused,
            List<String> kills, List<String> problems) {
        public String summary() {
            return String.format(Locale.ROOT, "jobs: %d submitted, %d succeeded, %d failed, %d lost, %d duplicated;"
                    + " images kept from redelivered work: %d; kills: %s", submitted, succeeded, failed, lost,
                    duplicated, imagesReused, kills);
        }
    }

    private Chaos() {
    }

    /**
     * Runs {@code jobs} jobs (submitted one every {@code submitEvery}) while {@code targets} are taken down in turn,
     * one every {@code killEvery}; waits up to {@code deadline} after the last submission for every job to end.
     */
    static Report run(Platform platform, int jobs, Duration submitEvery, List<String> targets, Duration killEvery,
            Duration storageOutage, Duration deadline, PrintStream log) throws InterruptedException {
        GatewayApi api = new GatewayApi(platform.gateway(), Platform.API_KEY);
        byte[] face = face();
        List<String> ids = Collections.synchronizedList(new ArrayList<>());
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger submittedCount = new AtomicInteger();
        Thread submitter = new Thread(() -> {
            for (int i = 0; i < jobs; i++) {
                ids.add(submit(api, face, i, problems));
                submittedCount.incrementAndGet();
                pause(submitEvery);
            }
        }, "chaos-submit");
        submitter.start();

        List<String> kills = new ArrayList<>();
        for (String target : targets) {
            pause(killEvery);
            long t0 = System.nanoTime();
            if (target.equals(STORAGE)) {
                platform.storage().refuse();
                pause(storageOutage);
                platform.storage().heal();
            } else {
                platform.kill(target);
            }
            String what = target + (target.equals(STORAGE) ? " down " : " killed, back in ")
                    + (System.nanoTime() - t0) / 1_000_000 + " ms";
            kills.add(what);
            log.printf("chaos: %s (%d jobs submitted)%n", what, submittedCount.get());
        }
        submitter.join();

        int succeeded = 0;
        int failed = 0;
        int lost = 0;
        int duplicated = 0;
        long reused = 0;
        long end = System.nanoTime() + deadline.toNanos();
        for (String id : ids) {
            if (id == null) {
                lost++;
                continue;
            }
            JsonNode job = awaitTerminal(api, id, end);
            String status = job == null ? "UNKNOWN" : job.path("status").asText();
            int stored = EmbeddedS3.store().list("outputs/" + id + "/").size();
            if (stored > IMAGES_PER_JOB) {
                duplicated++;
                problems.add(id + ": " + stored + " images stored, " + IMAGES_PER_JOB + " expected");
            }
            switch (status) {
                case "SUCCEEDED" -> {
                    if (job.path("images").size() == IMAGES_PER_JOB && stored == IMAGES_PER_JOB) {
                        succeeded++;
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
        return new Report(jobs, succeeded, failed, lost, duplicated, reused, kills, problems);
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

    private static String submit(GatewayApi api, byte[] face, int i, List<String> problems) {
        // 503 with Retry-After while a dependency is down: the client waits and submits again.
        for (int attempt = 0; attempt < 60; attempt++) {
            HttpResponse<String> r = api.submitPhoto(face, "grace.jpg", String.format(Locale.ROOT, SPEC, i));
            if (r.statusCode() == 202) {
                return GatewayApi.json(r.body()).path("jobId").asText();
            }
            if (r.statusCode() != 503) {
                problems.add("submission " + i + " refused: " + r.statusCode() + " " + r.body());
                return null;
            }
            pause(Duration.ofSeconds(1));
        }
        problems.add("submission " + i + " refused for a minute");
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
        int kills = 10;
        Duration killEvery = Duration.ofSeconds(6);
        Duration outage = Duration.ofSeconds(15);
        long seed = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--jobs" -> jobs = Integer.parseInt(args[++i]);
                case "--kills" -> kills = Integer.parseInt(args[++i]);
                case "--kill-every" -> killEvery = Duration.ofSeconds(Long.parseLong(args[++i]));
                case "--storage-outage" -> outage = Duration.ofSeconds(Long.parseLong(args[++i]));
                case "--seed" -> seed = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; options: --jobs N"
                        + " --kills N --kill-every SECONDS --storage-outage SECONDS --seed N");
            }
        }
        Platform platform = Platform.start();
        Report report;
        try {
            List<String> targets = randomTargets(kills, seed);
            // Submissions spread over the kill phase, so that jobs are in every stage when targets go down.
            long phaseMillis = kills * killEvery.toMillis() + 15_000L * kills;
            report = run(platform, jobs, Duration.ofMillis(Math.max(10, phaseMillis / Math.max(1, jobs))),
                    targets, killEvery, outage, Duration.ofMinutes(10), System.out);
            report.problems().forEach(p -> System.out.println("problem: " + p));
            System.out.println(report.summary());
        } finally {
            platform.close();
        }
        // The broker and the S3 server of the test harness keep non-daemon threads: exit with the verdict.
        System.exit(report.problems().isEmpty() && report.succeeded() == jobs ? 0 : 1);
    }
}
