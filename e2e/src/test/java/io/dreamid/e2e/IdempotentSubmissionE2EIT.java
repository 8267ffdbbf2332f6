package io.dreamid.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.dreamid.testsupport.EmbeddedS3;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that lost the answer to a submission sends it again, to whichever gateway replica the load balancer
 * picks: with the same {@code Idempotency-Key} it gets the first job, and the job runs once with exactly its
 * images. Two real gateway processes on one broker and one S3 server.
 */
class IdempotentSubmissionE2EIT {
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(3);
    private static final String SPEC = "{\"prompts\":[\"a photo of {id} as an astronaut\"],\"imagesPerPrompt\":2,"
            + "\"steps\":4,\"width\":64,\"height\":64}";

    private static Platform platform;
    private static byte[] face;

    @BeforeAll
    static void startPlatform() throws IOException {
        platform = Platform.shared();
        try (InputStream in = IdempotentSubmissionE2EIT.class.getResourceAsStream("/faces/grace_hopper.jpg")) {
            face = in.readAllBytes();
        }
    }

    @Test
    void aRepeatSentToAnotherReplicaReturnsTheSameJobWhichRunsOnce() {
        GatewayApi first = new GatewayApi(platform.gateway(), Platform.API_KEY);
        GatewayApi second = new GatewayApi(platform.secondGateway(), Platform.API_KEY);
        String key = UUID.randomUUID().toString();

        HttpResponse<String> accepted = first.submitPhoto(face, "grace.jpg", SPEC, key);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String jobId = GatewayApi.json(accepted.body()).path("jobId").asText();

        // At once, as a client retrying after a lost answer does: the other replica may not have seen the job yet.
        HttpResponse<String> repeated = second.submitPhoto(face, "grace.jpg", SPEC, key);
        assertThat(repeated.statusCode()).as(repeated.body()).isEqualTo(202);
        assertThat(GatewayApi.json(repeated.body()).path("jobId").asText()).isEqualTo(jobId);

        JsonNode done = first.awaitTerminal(jobId, JOB_TIMEOUT);
        assertThat(done.path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(done.path("images")).hasSize(2);
        assertThat(EmbeddedS3.store().list("outputs/" + jobId + "/")).as("exactly the job's images").hasSize(2);

        // Once the second replica's job state has the job, a repeat is answered from it and publishes nothing.
        second.await(jobId, JOB_TIMEOUT, j -> j.path("status").asText().equals("SUCCEEDED"));
        HttpResponse<String> late = second.submitPhoto(face, "grace.jpg", SPEC, key);
        assertThat(late.statusCode()).as(late.body()).isEqualTo(202);
        assertThat(GatewayApi.json(late.body()).path("jobId").asText()).isEqualTo(jobId);
        assertThat(late.headers().firstValue("Idempotent-Replayed")).contains("true");
        assertThat(GatewayApi.json(late.body()).path("status").asText()).isEqualTo("SUCCEEDED");

        // A new key is a new job.
        HttpResponse<String> other = second.submitPhoto(face, "grace.jpg", SPEC, UUID.randomUUID().toString());
        assertThat(GatewayApi.json(other.body()).path("jobId").asText()).isNotEqualTo(jobId);
        first.awaitTerminal(GatewayApi.json(other.body()).path("jobId").asText(), JOB_TIMEOUT);
    }
}
