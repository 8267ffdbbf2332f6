package io.dreamid.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.image.SafeImageDecoder;
import io.dreamid.testsupport.EmbeddedS3;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stages stopped (SIGTERM, as Kubernetes and {@code ./dreamid down} stop them) while they work: the JVM ends
 * cleanly (no crash inside ONNX Runtime, no {@code hs_err_pid*.log}), the job in hand is left uncommitted, and after
 * the restart it resumes and succeeds with exactly its images, the ones stored before the stop kept.
 */
class StopMidWorkE2EIT {
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(4);
    /** A JVM that ran its shutdown on SIGTERM exits 143 (128 + 15); one that crashed, 134 (SIGABRT). */
    private static final List<Integer> CLEAN_EXIT = List.of(0, 143);

    private static Platform platform;
    private static GatewayApi api;
    private static byte[] face;

    @BeforeAll
    static void startPlatform() throws IOException {
        platform = Platform.shared();
        api = new GatewayApi(platform.gateway(), Platform.API_KEY);
        try (InputStream in = StopMidWorkE2EIT.class.getResourceAsStream("/faces/grace_hopper.jpg")) {
            face = in.readAllBytes();
        }
    }

    @Test
    void aDiffusionWorkerStoppedThreeTimesMidJobResumesItWithoutCrashing() throws IOException {
        List<Path> crashLogsBefore = crashLogs();
        HttpResponse<String> accepted = api.submitPhoto(face, "grace.jpg",
                "{\"prompts\":[\"a photo of {id}\",\"{id} in a garden\"],\"imagesPerPrompt\":4,\"steps\":40,"
                        + "\"width\":128,\"height\":128,\"seed\":11}");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String jobId = GatewayApi.json(accepted.body()).path("jobId").asText();

        for (int stored = 1; stored <= 3; stored++) {
            int atLeast = stored;
            awaitOutputs(jobId, n -> n >= atLeast);
            assertThat(outputs(jobId)).as("the job is still generating when its worker is stopped").hasSizeLessThan(8);
            int exit = platform.restart("diffusion-service", Map.of());
            assertThat(exit).as("exit status of the diffusion-service stopped mid-job (round %d)", stored)
                    .isIn(CLEAN_EXIT);
        }

        JsonNode job = api.awaitTerminal(jobId, JOB_TIMEOUT);
        assertThat(job.path("status").asText()).as(job.toString()).isEqualTo("SUCCEEDED");
        assertThat(job.path("images")).hasSize(8);
        assertThat(outputs(jobId)).hasSize(8);
        assertThat(job.path("timings").path("diffusion.images_reused").asLong())
                .as("images kept from the deliveries before the stops").isGreaterThanOrEqualTo(3);
        for (String key : outputs(jobId)) {
            assertThat(SafeImageDecoder.decode(EmbeddedS3.store().get(key), ImageLimits.DEFAULT).width())
                    .isEqualTo(128);
        }
        assertThat(crashLogs()).isEqualTo(crashLogsBefore);
    }

    @Test
    void faceAndEncoderStagesStoppedWithJobsInFlightEndCleanlyAndTheJobsSucceed() throws IOException {
        List<Path> crashLogsBefore = crashLogs();
        List<String> jobs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> accepted = api.submitPhoto(face, "grace.jpg",
                    "{\"prompts\":[\"a photo of {id}\"],\"imagesPerPrompt\":1,\"steps\":2,\"width\":64,"
                            + "\"height\":64,\"seed\":" + i + "}");
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            jobs.add(GatewayApi.json(accepted.body()).path("jobId").asText());
        }
        assertThat(platform.restart("face-service", Map.of())).as("face-service exit status").isIn(CLEAN_EXIT);
        assertThat(platform.restart("encoder-service", Map.of())).as("encoder-service exit status")
                .isIn(CLEAN_EXIT);

        for (String jobId : jobs) {
            JsonNode job = api.awaitTerminal(jobId, JOB_TIMEOUT);
            assertThat(job.path("status").asText()).as(job.toString()).isEqualTo("SUCCEEDED");
            assertThat(outputs(jobId)).hasSize(1);
        }
        assertThat(crashLogs()).isEqualTo(crashLogsBefore);
    }

    private static void awaitOutputs(String jobId, java.util.function.IntPredicate until) {
        long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
        while (!until.test(outputs(jobId).size())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("job " + jobId + " stored " + outputs(jobId).size() + " images in "
                        + JOB_TIMEOUT + "; job: " + api.job(jobId));
            }
            Platform.pause(50);
        }
    }

    private static List<String> outputs(String jobId) {
        return EmbeddedS3.store().list("outputs/" + jobId + "/");
    }

    /** The JVM's crash logs, written to the services' working folder (the repository root). */
    private static List<Path> crashLogs() throws IOException {
        try (Stream<Path> files = Files.list(platform.repoRoot())) {
            return files.filter(f -> f.getFileName().toString().startsWith("hs_err_pid")).sorted().toList();
        }
    }
}
