package io.dreamid.gateway;

import io.dreamid.common.Topics;
import io.dreamid.common.json.Json;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.gateway.idempotency.IdempotencyKeyFilter;
import io.dreamid.testsupport.KafkaResource;
import io.dreamid.testsupport.S3Resource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.dreamid.gateway.GatewayTestResource.KEY_A;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A job the broker does not acknowledge in time is answered 503 and withdrawn: it may still reach the broker later
 * (the producer and the connector resend), so a cancel request and a CANCELLED event follow it. Here the jobs
 * channel points at a port where no broker listens, while every other channel uses the real one.
 */
@QuarkusTest
@TestProfile(JobWithdrawalIT.JobsUnacknowledged.class)
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(S3Resource.class)
@QuarkusTestResource(GatewayTestResource.class)
class JobWithdrawalIT {
    private static final Pattern JOB_ID = Pattern.compile("job ([0-9a-f-]{36}) is withdrawn");

    public static final class JobsUnacknowledged implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "mp.messaging.outgoing.jobs.bootstrap.servers", "127.0.0.1:" + closedPort(),
                    "mp.messaging.outgoing.jobs.max.block.ms", "1000",
                    "mp.messaging.outgoing.jobs.delivery.timeout.ms", "1500",
                    "mp.messaging.outgoing.jobs.request.timeout.ms", "1000",
                    "dreamid.gateway.publish-timeout", "2s");
        }
    }

    @Test
    void aJobTheBrokerDoesNotAcknowledgeIsRefusedAndEndsCancelled() {
        Response response = Api.photoJob(KEY_A, TestImages.jpeg(64, 64, 11), "me.jpg", Api.SPEC).post("/v1/jobs");

        assertThat(response.statusCode()).as(response.asString()).isEqualTo(503);
        assertThat(response.jsonPath().getString("code")).isEqualTo("UNAVAILABLE");
        assertThat(response.header("Retry-After")).as("sending it again is safe").isEqualTo("2");
        String message = response.jsonPath().getString("message");
        assertThat(message).contains("retry the request");
        Matcher withdrawn = JOB_ID.matcher(message);
        assertThat(withdrawn.find()).as(message).isTrue();
        String jobId = withdrawn.group(1);

        Await.until("the cancel request of the withdrawn job", Duration.ofSeconds(20),
                () -> TopicReader.readAll(Topics.CANCELLATIONS).stream().anyMatch(r -> jobId.equals(r.key())));
        Await.until("its CANCELLED event", Duration.ofSeconds(20),
                () -> TopicReader.readAll(Topics.JOB_EVENTS).stream().filter(r -> jobId.equals(r.key()))
                        .map(JobWithdrawalIT::event).anyMatch(e -> e.status() == JobStatus.CANCELLED));
        Await.until("the job read as CANCELLED", Duration.ofSeconds(20),
                () -> "CANCELLED".equals(Api.as(KEY_A).get("/v1/jobs/" + jobId).jsonPath().getString("status")));
        assertThat(TopicReader.readAll(Topics.JOBS)).noneMatch(r -> jobId.equals(r.key()));
    }

    @Test
    void aKeyedJobTheBrokerDoesNotAcknowledgeIsNotWithdrawnTheRetryNamesIt() {
        // A keyed submission first looks its key up in the job state: wait until the gateway has loaded it (an
        // unknown job is then 404, not 503 "still loading"), or the 503 below would be that one.
        String unknown = java.util.UUID.randomUUID().toString();
        Await.until("the job state to be loaded", Duration.ofSeconds(60),
                () -> Api.as(KEY_A).get("/v1/jobs/" + unknown).statusCode() == 404);
        String key = java.util.UUID.randomUUID().toString();
        Response keyed = Api.photoJob(KEY_A, TestImages.jpeg(64, 64, 12), "me.jpg", Api.SPEC)
                .header(IdempotencyKeyFilter.HEADER, key).post("/v1/jobs");

        assertThat(keyed.statusCode()).as(keyed.asString()).isEqualTo(503);
        String message = keyed.jsonPath().getString("message");
        assertThat(message).contains("same Idempotency-Key").doesNotContain("withdrawn");
        Matcher named = Pattern.compile("names job ([0-9a-f-]{36})").matcher(message);
        assertThat(named.find()).as(message).isTrue();
        String jobId = named.group(1);
        // Its ACCEPTED event is sent only once the broker has the job: the job state shows no job the stages may
        // never get, and the retry publishes the job again under the same id.
        Response again = Api.photoJob(KEY_A, TestImages.jpeg(64, 64, 12), "me.jpg", Api.SPEC)
                .header(IdempotencyKeyFilter.HEADER, key).post("/v1/jobs");
        assertThat(again.statusCode()).as(again.asString()).isEqualTo(503);
        assertThat(again.jsonPath().getString("message")).as("the retry names the same job").contains(jobId);

        // A job without a key, refused after it, is withdrawn; cancellations has one partition, so once its cancel
        // request is there, one for the keyed job would be there before it.
        Response unkeyed = Api.photoJob(KEY_A, TestImages.jpeg(64, 64, 13), "me.jpg", Api.SPEC).post("/v1/jobs");
        Matcher withdrawn = JOB_ID.matcher(unkeyed.jsonPath().getString("message"));
        assertThat(withdrawn.find()).isTrue();
        String unkeyedId = withdrawn.group(1);
        Await.until("the cancel request of the job without a key", Duration.ofSeconds(20),
                () -> TopicReader.readAll(Topics.CANCELLATIONS).stream().anyMatch(r -> unkeyedId.equals(r.key())));
        assertThat(TopicReader.readAll(Topics.CANCELLATIONS)).noneMatch(r -> jobId.equals(r.key()));
        assertThat(TopicReader.readAll(Topics.JOB_EVENTS)).noneMatch(r -> jobId.equals(r.key()));
        Api.as(KEY_A).get("/v1/jobs/" + jobId).then().statusCode(404);
    }

    private static JobEvent event(ConsumerRecord<String, String> r) {
        return Json.readMessage(r.value().getBytes(StandardCharsets.UTF_8), JobEvent.class);
    }

    private static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
