package io.dreamid.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.dreamid.cli.Main;
import io.dreamid.common.Topics;
import io.dreamid.common.messages.DatasetMessage;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.Stage;
import io.dreamid.testsupport.TopicRecorder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Dataset builds (issue 16) through all four services with the tiny diffusion bundle, whose images are noise: a
 * build ends SUCCEEDED with every pair dropped as no face, and a build whose follower (the face-service) is killed
 * mid-way resumes after the restart, generates no image twice and writes the same manifest and counts.
 */
class DatasetE2EIT {
    private static final Duration TIMEOUT = Duration.ofMinutes(4);
    /** 2 names x (1 portrait job + 2 edit jobs) = 6 jobs; 2 x 1 x 2 x 2 = 8 pairs. */
    private static final String SPEC = "{\"names\": [\"Ada Lovelace\", \"Alan Turing\"], \"editPrompts\": [\"{name} as"
            + " a chef\", \"{name} in the snow\"], \"imagesPerEdit\": 2, \"width\": 64, \"height\": 64, \"steps\": 2,"
            + " \"seed\": 21}";

    private static Platform platform;
    private static GatewayApi api;
    private static TopicRecorder events;

    @BeforeAll
    static void startPlatform() {
        platform = Platform.shared();
        api = new GatewayApi(platform.gateway(), Platform.API_KEY);
        events = new TopicRecorder(TIMEOUT, Topics.JOB_EVENTS);
    }

    @AfterAll
    static void close() {
        events.close();
    }

    @Test
    void everyPairOfTheTinyBundleIsDroppedAsNoFaceAndAKilledFollowerResumesWithoutRegenerating() throws IOException {
        String whole = submit();
        JsonNode built = awaitBuilt(whole);
        assertThat(built.at("/summary/pairs/total").asInt()).isEqualTo(8);
        assertThat(built.at("/summary/pairs/kept").asInt()).isZero();
        assertThat(built.at("/summary/pairs/dropped/noFace").asInt()).as(built.toString()).isEqualTo(8);
        assertThat(built.at("/summary/portraits/noFace").asInt()).isEqualTo(2);
        assertThat(built.at("/summary/editImages/noFace").asInt()).isEqualTo(8);
        assertThat(built.at("/summary/bundles/diffusion/0").asText()).contains("random weights");
        assertThat(built.path("progress").asDouble()).isEqualTo(1.0);
        assertThat(new String(api.bytes(built.path("manifest").asText()), StandardCharsets.UTF_8)).isEmpty();
        assertGeneratedOnce(whole, 6);
        assertExported(whole, built);

        // The same build again, its follower killed (SIGKILL) once a job has ended but before all have.
        String resumed = submit();
        awaitProgress(resumed);
        platform.kill("face-service");
        JsonNode again = awaitBuilt(resumed);
        assertThat(again.at("/summary/pairs")).isEqualTo(built.at("/summary/pairs"));
        assertThat(again.at("/summary/run/jobsSent").asInt()).as("jobs sent by the resumed run").isLessThan(6);
        assertThat(api.bytes(again.path("manifest").asText())).isEqualTo(api.bytes(built.path("manifest").asText()));
        assertGeneratedOnce(resumed, 6);
    }

    /** {@code dreamid dataset export} writes the manifest and the summary (and the files a manifest names). */
    private static void assertExported(String id, JsonNode built) throws IOException {
        Path out = Files.createTempDirectory("dreamid-dataset-");
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        int exit = Main.run(new String[] {"dataset", "export", id, "--out", out.toString(), "--gateway",
                platform.gateway().toString(), "--api-key", Platform.API_KEY}, new PrintStream(stdout),
                new PrintStream(stderr));
        assertThat(exit).as(stderr.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(Files.readAllBytes(out.resolve("manifest.jsonl")))
                .isEqualTo(api.bytes(built.path("manifest").asText()));
        assertThat(GatewayApi.json(Files.readString(out.resolve("summary.json"))).at("/pairs/dropped/noFace").asInt())
                .isEqualTo(8);
    }

    private static boolean generated(JobEvent e) {
        return e.stage() == Stage.DIFFUSION && e.status() == JobStatus.SUCCEEDED;
    }

    private static String submit() {
        HttpResponse<String> accepted = api.postJson("/v1/datasets", SPEC);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return GatewayApi.json(accepted.body()).path("datasetId").asText();
    }

    private static JsonNode awaitBuilt(String id) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = api.get("/v1/datasets/" + id);
            last = r.statusCode() == 200 ? GatewayApi.json(r.body()) : null;
            if (last != null && List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(last.path("status").asText())
                    && (!"SUCCEEDED".equals(last.path("status").asText()) || last.has("summary"))) {
                assertThat(last.path("status").asText()).as(last.toString()).isEqualTo("SUCCEEDED");
                return last;
            }
            Platform.pause(200);
        }
        throw new AssertionError("dataset " + id + " not built in " + TIMEOUT + "; last: " + last);
    }

    /** Waits until some of the build's jobs have ended and some have not. */
    private static void awaitProgress(String id) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode d = GatewayApi.json(api.get("/v1/datasets/" + id).body());
            double p = d.path("progress").asDouble();
            if (p > 0.05 && p < 0.9) {
                return;
            }
            assertThat(d.path("status").asText()).as("the build must still be running").isNotEqualTo("SUCCEEDED");
            Platform.pause(20);
        }
        throw new AssertionError("dataset " + id + " made no progress in " + TIMEOUT);
    }

    /**
     * Every job of the build generated each of its images once: over all its diffusion SUCCEEDED events (a job
     * sent again is a redelivery and succeeds again), the images made and not reused add up to its image count.
     */
    private static void assertGeneratedOnce(String id, int jobs) {
        for (int index = 0; index < jobs; index++) {
            String jobId = DatasetMessage.jobIdOf(id, index);
            events.waitFor("job " + index + " of " + id + " generated", () -> !events.events(jobId,
                    DatasetE2EIT::generated).isEmpty());
            List<JobEvent> succeeded = events.events(jobId, DatasetE2EIT::generated);
            long made = 0;
            for (JobEvent e : succeeded) {
                made += e.outputs().size() - e.timings().getOrDefault("diffusion.images_reused", 0L);
            }
            assertThat(made).as("images generated by job %d (%s): %s", index, jobId, succeeded.stream()
                    .map(JobEvent::timings).map(Map::toString).toList())
                    .isEqualTo(succeeded.get(0).outputs().size());
        }
    }
}
