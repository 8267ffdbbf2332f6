package io.dreamid.gateway;

import io.dreamid.common.Topics;
import io.dreamid.common.json.Json;
import io.dreamid.common.messages.JobMessage;
import io.dreamid.gateway.idempotency.IdempotencyKeyFilter;
import io.dreamid.testsupport.KafkaResource;
import io.dreamid.testsupport.S3Resource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.dreamid.gateway.GatewayTestResource.KEY_A;
import static io.dreamid.gateway.GatewayTestResource.KEY_B;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Submissions with an Idempotency-Key against the real broker and S3 server: a client that sends a submission
 * again (it lost the answer) gets the first job, and no second job is published. (Across two gateway replicas:
 * e2e's IdempotentSubmissionE2EIT.)
 */
@QuarkusTest
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(S3Resource.class)
@QuarkusTestResource(GatewayTestResource.class)
class IdempotentSubmissionIT {

    /**
     * A keyed submission looks its key up in the job state first: until the gateway has loaded it, the answer is
     * 503 "still loading" (an unknown job is then 404).
     */
    @org.junit.jupiter.api.BeforeEach
    void jobStateLoaded() {
        String unknown = UUID.randomUUID().toString();
        Await.until("the job state to be loaded", Duration.ofSeconds(60),
                () -> Api.as(KEY_A).get("/v1/jobs/" + unknown).statusCode() == 404);
    }

    @Test
    void aRepeatedPhotoSubmissionReturnsTheFirstJobAndPublishesNothing() {
        String key = UUID.randomUUID().toString();
        byte[] photo = TestImages.jpeg(96, 80, 7);

        Response first = submit(KEY_A, key, photo, Api.SPEC);
        assertThat(first.statusCode()).isEqualTo(202);
        String jobId = first.jsonPath().getString("jobId");
        assertThat(first.header(IdempotencyKeyFilter.REPLAYED_HEADER)).isNull();
        Await.until("the job is readable", Duration.ofSeconds(10), () -> Api.as(KEY_A).get("/v1/jobs/" + jobId).statusCode() == 200);

        Response again = submit(KEY_A, key, photo, Api.SPEC);
        assertThat(again.statusCode()).isEqualTo(202);
        assertThat(again.jsonPath().getString("jobId")).isEqualTo(jobId);
        assertThat(again.header("Location")).endsWith("/v1/jobs/" + jobId);
        assertThat(again.header(IdempotencyKeyFilter.REPLAYED_HEADER)).isEqualTo("true");

        assertThat(jobMessages(jobId)).as("one job message for the two submissions").hasSize(1);
    }

    @Test
    void theSameKeyFromAnotherTenantIsAnotherJob() {
        String key = UUID.randomUUID().toString();
        String a = submit(KEY_A, key, TestImages.jpeg(96, 80, 8), Api.SPEC).jsonPath().getString("jobId");
        Response b = submit(KEY_B, key, TestImages.jpeg(96, 80, 8), Api.SPEC);
        assertThat(b.statusCode()).isEqualTo(202);
        assertThat(b.jsonPath().getString("jobId")).isNotEqualTo(a);
        assertThat(b.header(IdempotencyKeyFilter.REPLAYED_HEADER)).isNull();
        Api.as(KEY_B).get("/v1/jobs/" + a).then().statusCode(404);
    }

    @Test
    void aKeyUsedForAnotherSpecIsRefused() {
        String key = UUID.randomUUID().toString();
        String jobId = submit(KEY_A, key, TestImages.jpeg(96, 80, 9), Api.SPEC).jsonPath().getString("jobId");
        Await.until("the job is readable", Duration.ofSeconds(10), () -> Api.as(KEY_A).get("/v1/jobs/" + jobId).statusCode() == 200);

        Response other = submit(KEY_A, key, TestImages.jpeg(96, 80, 9),
                "{\"prompts\": [\"a photo of {id} on the moon\"], \"steps\": 20}");
        assertThat(other.statusCode()).isEqualTo(422);
        assertThat(other.jsonPath().getString("code")).isEqualTo("IDEMPOTENCY_KEY_REUSED");
        assertThat(other.jsonPath().getString("message")).contains(jobId);
        assertThat(jobMessages(jobId)).hasSize(1);
    }

    @Test
    void concurrentRepeatsEndAsOneJob() throws Exception {
        String key = UUID.randomUUID().toString();
        byte[] photo = TestImages.jpeg(96, 80, 10);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Response>> answers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Callable<Response> send = () -> submit(KEY_A, key, photo, Api.SPEC);
                answers.add(pool.submit(send));
            }
            List<String> ids = new ArrayList<>();
            for (Future<Response> answer : answers) {
                assertThat(answer.get().statusCode()).isEqualTo(202);
                ids.add(answer.get().jsonPath().getString("jobId"));
            }
            assertThat(ids).as("one job id for every repeat").containsOnly(ids.get(0));
            // Repeats that raced the first publish the same job again: same id, same spec and seed, so the stages
            // take it as a redelivery of the one job.
            List<JobMessage> published = jobMessages(ids.get(0));
            assertThat(published).isNotEmpty();
            assertThat(published).extracting(JobMessage::spec).containsOnly(published.get(0).spec());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aRepeatedIdentitySubmissionReturnsTheFirstJob() {
        String key = UUID.randomUUID().toString();
        byte[] photo = TestImages.jpeg(96, 80, 11);
        Response first = Api.as(KEY_A).header(IdempotencyKeyFilter.HEADER, key)
                .multiPart("photo", "me.jpg", photo, "image/jpeg").post("/v1/identities");
        assertThat(first.statusCode()).isEqualTo(202);
        String jobId = first.jsonPath().getString("jobId");
        Await.until("the job is readable", Duration.ofSeconds(10), () -> Api.as(KEY_A).get("/v1/jobs/" + jobId).statusCode() == 200);

        Response again = Api.as(KEY_A).header(IdempotencyKeyFilter.HEADER, key)
                .multiPart("photo", "me.jpg", photo, "image/jpeg").post("/v1/identities");
        assertThat(again.jsonPath().getString("jobId")).isEqualTo(jobId);
        assertThat(jobMessages(jobId)).hasSize(1);
    }

    @Test
    void withoutAKeyEverySubmissionIsANewJob() {
        byte[] photo = TestImages.jpeg(96, 80, 12);
        String one = Api.photoJob(KEY_A, photo, "me.jpg", Api.SPEC).post("/v1/jobs").jsonPath().getString("jobId");
        String two = Api.photoJob(KEY_A, photo, "me.jpg", Api.SPEC).post("/v1/jobs").jsonPath().getString("jobId");
        assertThat(two).isNotEqualTo(one);
    }

    @Test
    void anUnusableKeyIsRefusedWithItsRule() {
        Response tooLong = submit(KEY_A, "k".repeat(256), TestImages.jpeg(96, 80, 13), Api.SPEC);
        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(tooLong.jsonPath().getString("code")).isEqualTo("BAD_IDEMPOTENCY_KEY");
        Response withSpace = submit(KEY_A, "two words", TestImages.jpeg(96, 80, 13), Api.SPEC);
        assertThat(withSpace.statusCode()).isEqualTo(400);
    }

    private static Response submit(String apiKey, String idempotencyKey, byte[] photo, String spec) {
        return Api.photoJob(apiKey, photo, "me.jpg", spec).header(IdempotencyKeyFilter.HEADER, idempotencyKey)
                .post("/v1/jobs");
    }

    private static List<JobMessage> jobMessages(String jobId) {
        List<JobMessage> messages = new ArrayList<>();
        for (ConsumerRecord<String, String> r : TopicReader.readAll(Topics.JOBS)) {
            if (jobId.equals(r.key())) {
                messages.add(Json.readMessage(r.value().getBytes(StandardCharsets.UTF_8), JobMessage.class));
            }
        }
        return messages;
    }
}
