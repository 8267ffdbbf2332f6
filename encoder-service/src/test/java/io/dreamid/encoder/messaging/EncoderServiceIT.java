package io.dreamid.encoder.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dreamid.common.ObjectKeys;
import io.dreamid.common.Topics;
import io.dreamid.common.json.Json;
import io.dreamid.common.messages.CancelRequest;
import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.FaceMessage;
import io.dreamid.common.messages.IdentityMessage;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.JobMessage;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.SchemaVersions;
import io.dreamid.common.messages.Stage;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.encoder.model.TestBundles;
import io.dreamid.encoder.service.IdentityFile;
import io.dreamid.stage.Cancellations;
import io.dreamid.testsupport.TopicRecorder;
import io.dreamid.testsupport.EmbeddedS3;
import io.dreamid.testsupport.KafkaResource;
import io.dreamid.testsupport.S3Resource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The encoder-service against a real Kafka broker and a real S3 server, with the tiny bundle loaded from storage:
 * faces become stored embeddings and identity messages, the same face is reused, identity jobs skip encoding, and
 * bad input ends jobs with their codes.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3Resource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TinyBundleInStorage.class, restrictToAnnotatedClass = true)
class EncoderServiceIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final JobSpec SPEC = new JobSpec(List.of("a photo of {id} as an astronaut"), null, 1, 2, 7.5, 42L,
            64, 64, null, null);

    private static KafkaProducer<String, String> producer;
    private static TopicRecorder topics;
    private static ObjectStore store;

    @Inject
    Cancellations cancellations;

    @BeforeAll
    static void connect() {
        producer = TopicRecorder.producer();
        topics = new TopicRecorder(TIMEOUT, Topics.IDENTITIES, Topics.JOB_EVENTS, Topics.deadLetter(Topics.FACES));
        store = EmbeddedS3.store();
    }

    @AfterAll
    static void disconnect() {
        producer.close();
        topics.close();
    }

    @Test
    void aFaceBecomesAStoredIdentityAndTheSameFaceIsReused() throws IOException {
        byte[] crop = Files.readAllBytes(TestBundles.TINY_GOLDENS.resolve("crop-0.png"));
        String first = "job-face-" + UUID.randomUUID();
        sendFace(first, crop);

        IdentityMessage identity = identityOf(first);
        assertThat(identity.reused()).isFalse();
        assertThat(identity.identityId()).matches("[0-9a-f]{32}");
        assertThat(identity.embeddingRef()).isEqualTo(ObjectKeys.identity(identity.identityId()));
        assertThat(identity.encoderVersion()).isEqualTo("tiny-random-1");
        assertThat(identity.words()).isEqualTo(2);
        assertThat(identity.width()).isEqualTo(32);
        assertThat(identity.spec()).isEqualTo(SPEC);
        assertThat(identity.tenant()).isEqualTo("acme");

        IdentityFile stored = IdentityFile.read(store.get(identity.embeddingRef()));
        assertThat(stored.words()).isEqualTo(2);
        assertThat(stored.width()).isEqualTo(32);
        assertThat(stored.encoderVersion()).isEqualTo("tiny-random-1");
        assertThat(stored.identityId()).isEqualTo(identity.identityId());
        assertThat(stored.sourceCrop()).isEqualTo(ObjectKeys.faceCrop(first));
        JsonNode golden = new ObjectMapper().readTree(TestBundles.TINY_GOLDENS.resolve("goldens.json").toFile())
                .get("cases").get(0).get("embedding");
        for (int k = 0; k < 2; k++) {
            for (int d = 0; d < 32; d++) {
                assertThat((double) stored.embedding()[k * 32 + d]).isCloseTo(golden.get(k).get(d).asDouble(),
                        within(1e-4));
            }
        }

        JobEvent started = eventOf(first, e -> e.identityId() == null);
        assertThat(started.status()).isEqualTo(JobStatus.ENCODING);
        JobEvent encoded = eventOf(first, e -> e.identityId() != null);
        assertThat(encoded.stage()).isEqualTo(Stage.ENCODER);
        assertThat(encoded.status()).isEqualTo(JobStatus.ENCODING);
        assertThat(encoded.identityId()).isEqualTo(identity.identityId());
        assertThat(encoded.progress()).isGreaterThan(started.progress());
        assertThat(encoded.timings()).containsKeys("encoder.load", "encoder.preprocess", "encoder.backbone",
                "encoder.projector", "encoder.store");

        String second = "job-face-" + UUID.randomUUID();
        sendFace(second, crop);
        IdentityMessage again = identityOf(second);
        assertThat(again.identityId()).isEqualTo(identity.identityId());
        assertThat(again.reused()).isTrue();
        JobEvent reusedEvent = eventOf(second, e -> e.identityId() != null);
        assertThat(reusedEvent.timings()).containsKey("encoder.load").doesNotContainKey("encoder.backbone");
        assertThat(store.list("identities/" + identity.identityId())).hasSize(1);
        assertThat(metric("dreamid_encoder_identities_total{outcome=\"reused\"")).isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void aJobByIdentityIdIsForwardedWithoutEncoding() throws IOException {
        String faceJob = "job-face-" + UUID.randomUUID();
        sendFace(faceJob, Files.readAllBytes(TestBundles.TINY_GOLDENS.resolve("crop-1.png")));
        String identityId = identityOf(faceJob).identityId();
        double encodedBefore = metric("dreamid_encoder_identities_total{outcome=\"encoded\"");

        String job = "job-id-" + UUID.randomUUID();
        producer.send(new ProducerRecord<>(Topics.JOBS, job, Json.toString(
                JobMessage.of(job, "acme", Instant.now(), null, identityId, SPEC))));

        IdentityMessage forwarded = identityOf(job);
        assertThat(forwarded.identityId()).isEqualTo(identityId);
        assertThat(forwarded.embeddingRef()).isEqualTo(ObjectKeys.identity(identityId));
        assertThat(forwarded.reused()).isTrue();
        assertThat(forwarded.words()).isEqualTo(2);
        assertThat(forwarded.width()).isEqualTo(32);
        assertThat(forwarded.spec()).isEqualTo(SPEC);
        JobEvent event = eventOf(job, e -> e.identityId() != null);
        assertThat(event.timings()).containsKey("encoder.lookup").doesNotContainKey("encoder.backbone");
        assertThat(metric("dreamid_encoder_identities_total{outcome=\"encoded\"")).isEqualTo(encodedBefore);
    }

    @Test
    void aTextOnlyJobIsHandedOnWithNoIdentityAndAPlaceholderWithoutAPersonFails() {
        JobSpec plain = new JobSpec(List.of("a lighthouse at dusk"), null, 1, 2, 7.5, 42L, 64, 64, null, null);
        String job = "job-text-" + UUID.randomUUID();
        producer.send(new ProducerRecord<>(Topics.JOBS, job, Json.toString(
                JobMessage.of(job, "acme", Instant.now(), null, null, plain))));
        String nobody = "job-nobody-" + UUID.randomUUID();
        producer.send(new ProducerRecord<>(Topics.JOBS, nobody, Json.toString(
                JobMessage.of(nobody, "acme", Instant.now(), null, null, SPEC))));

        IdentityMessage forwarded = identityOf(job);
        assertThat(forwarded.identityId()).isNull();
        assertThat(forwarded.embeddingRef()).isNull();
        assertThat(forwarded.words()).isZero();
        assertThat(forwarded.spec()).isEqualTo(plain);
        assertThat(eventOf(job, e -> e.status() == JobStatus.ENCODING).timings()).doesNotContainKey("encoder.backbone");
        JobEvent failed = eventOf(nobody, e -> e.status() == JobStatus.FAILED);
        assertThat(failed.error().code()).isEqualTo(ErrorCodes.BAD_SPEC);
        assertThat(failed.error().message()).contains("no photo and no identity");
    }

    @Test
    void aJobOfSeveralPeopleGoesOnWithEachNamesIdentity() throws IOException {
        String adaFace = "job-face-" + UUID.randomUUID();
        sendFace(adaFace, Files.readAllBytes(TestBundles.TINY_GOLDENS.resolve("crop-0.png")));
        String graceFace = "job-face-" + UUID.randomUUID();
        sendFace(graceFace, Files.readAllBytes(TestBundles.TINY_GOLDENS.resolve("crop-1.png")));
        String ada = identityOf(adaFace).identityId();
        String grace = identityOf(graceFace).identityId();
        JobSpec two = new JobSpec(List.of("{id:ada} and {id:grace} having tea"), null, 1, 2, 7.5, 42L, 64, 64, null,
                null, null, java.util.Map.of("ada", ada, "grace", grace));

        String job = "job-two-" + UUID.randomUUID();
        producer.send(new ProducerRecord<>(Topics.JOBS, job, Json.toString(
                JobMessage.of(job, "acme", Instant.now(), null, null, two))));
        String missing = "job-two-missing-" + UUID.randomUUID();
        producer.send(new ProducerRecord<>(Topics.JOBS, missing, Json.toString(JobMessage.of(missing, "acme",
                Instant.now(), null, null, new JobSpec(two.prompts(), null, 1, 2, 7.5, 42L, 64, 64, null, null, null,
                        java.util.Map.of("ada", ada, "grace", "0123456789abcdef0123456789abcdef"))))));

        IdentityMessage forwarded = identityOf(job);
        assertThat(forwarded.identityId()).isNull();
        assertThat(forwarded.people()).containsOnlyKeys("ada", "grace");
        assertThat(forwarded.people().get("ada").identityId()).isEqualTo(ada);
        assertThat(forwarded.people().get("grace").embeddingRef()).isEqualTo(ObjectKeys.identity(grace));
        assertThat(forwarded.people().get("grace").words()).isEqualTo(2);
        assertThat(forwarded.schemaVersion()).isEqualTo(2);
        JobEvent failed = eventOf(missing, e -> e.status() == JobStatus.FAILED);
        assertThat(failed.error().code()).isEqualTo(ErrorCodes.IDENTITY_NOT_FOUND);
    }

    @Test
    void aJobNamingAnUnknownIdentityFails() {
        String job = "job-id-" + UUID.randomUUID();
        producer.send(new ProducerRecord<>(Topics.JOBS, job, Json.toString(
                JobMessage.of(job, "acme", Instant.now(), null, "0123456789abcdef0123456789abcdef", SPEC))));
        JobEvent failed = eventOf(job, e -> e.status() == JobStatus.FAILED);
        assertThat(failed.error().code()).isEqualTo(ErrorCodes.IDENTITY_NOT_FOUND);
        assertThat(failed.error().message()).contains("0123456789abcdef0123456789abcdef");
    }

    @Test
    void aCropThatIsNotAnImageFailsTheJobWithBadImage() {
        String job = "job-bad-" + UUID.randomUUID();
        sendFace(job, "this is not a PNG".getBytes(StandardCharsets.UTF_8));
        JobEvent failed = eventOf(job, e -> e.status() == JobStatus.FAILED);
        assertThat(failed.error().code()).isEqualTo(ErrorCodes.BAD_IMAGE);
        assertThat(failed.stage()).isEqualTo(Stage.ENCODER);
    }

    @Test
    void anUnreadableFaceMessageIsDeadLetteredAndItsJobFails() {
        String job = "job-poison-" + UUID.randomUUID();
        producer.send(new ProducerRecord<>(Topics.FACES, job, "{\"schemaVersion\": 99, \"jobId\": \"" + job + "\"}"));
        ConsumerRecord<String, String> dead = topics.await(r -> r.topic().equals(Topics.deadLetter(Topics.FACES))
                && job.equals(r.key()));
        assertThat(dead.value()).contains("\"schemaVersion\": 99");
        JobEvent failed = eventOf(job, e -> e.status() == JobStatus.FAILED);
        assertThat(failed.error().code()).isEqualTo(ErrorCodes.MALFORMED_MESSAGE);
    }

    @Test
    void aFaceMessageWithoutItsCropIsDeadLetteredAndItsJobFails() {
        String job = "job-no-crop-" + UUID.randomUUID();
        FaceMessage face = new FaceMessage(SchemaVersions.CURRENT, job, "acme", Instant.now(), SPEC,
                ObjectKeys.input(job, "jpg"), null, ObjectKeys.faceRecord(job), 32, 0.98, 1);
        producer.send(new ProducerRecord<>(Topics.FACES, job, Json.toString(face)));
        ConsumerRecord<String, String> dead = topics.await(r -> r.topic().equals(Topics.deadLetter(Topics.FACES))
                && job.equals(r.key()));
        assertThat(dead.value()).contains(job);
        JobEvent failed = eventOf(job, e -> e.status() == JobStatus.FAILED);
        assertThat(failed.error().code()).isEqualTo(ErrorCodes.MALFORMED_MESSAGE);
        assertThat(failed.error().message()).contains("cropRef");
    }

    @Test
    void aCancelledJobIsSkipped() throws IOException {
        String job = "job-cancelled-" + UUID.randomUUID();
        producer.send(new ProducerRecord<>(Topics.CANCELLATIONS, job,
                Json.toString(CancelRequest.of(job, "acme", Instant.now()))));
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!cancellations.isCancelled(job)) {
            assertThat(System.nanoTime()).as("the cancel request reached the service").isLessThan(deadline);
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        long skippedBefore = cancellations.skippedCount();

        sendFace(job, Files.readAllBytes(TestBundles.TINY_GOLDENS.resolve("crop-2.png")));

        while (cancellations.skippedCount() <= skippedBefore) {
            assertThat(System.nanoTime()).as("the cancelled face was skipped").isLessThan(deadline);
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        assertThat(topics.received(Duration.ofMillis(200))).noneMatch(r -> job.equals(r.key()));
    }

    @Test
    void anIdentityJobEndsSucceededWithItsIdentityAndGoesNoFurther() throws IOException {
        String job = "job-identity-" + UUID.randomUUID();
        store.put(ObjectKeys.faceCrop(job), Files.readAllBytes(TestBundles.TINY_GOLDENS.resolve("crop-2.png")),
                "image/png");
        producer.send(new ProducerRecord<>(Topics.FACES, job, Json.toString(new FaceMessage(SchemaVersions.CURRENT,
                job, "acme", Instant.now(), JobSpec.identityOnly("largest"), ObjectKeys.input(job, "jpg"),
                ObjectKeys.faceCrop(job), ObjectKeys.faceRecord(job), 32, 0.98, 1))));

        JobEvent done = eventOf(job, e -> e.status() == JobStatus.SUCCEEDED);
        assertThat(done.stage()).isEqualTo(Stage.ENCODER);
        assertThat(done.progress()).isEqualTo(1.0);
        assertThat(done.identityId()).matches("[0-9a-f]{32}");
        assertThat(store.exists(ObjectKeys.identity(done.identityId()))).isTrue();
        assertThat(done.timings()).containsKey("encoder.backbone");
        // The stage sends a hand-on right after its event: by the time a later job has been handed on, a stray
        // identity message for this job would have arrived too.
        String later = "job-face-" + UUID.randomUUID();
        sendFace(later, Files.readAllBytes(TestBundles.TINY_GOLDENS.resolve("crop-2.png")));
        identityOf(later);
        assertThat(topics.received(Duration.ZERO)).noneMatch(r -> r.topic().equals(Topics.IDENTITIES) && job.equals(r.key()));
    }

    @Test
    void readinessNamesTheBundle() {
        String body = given().get("/q/health/ready").then().statusCode(200).extract().asString();
        assertThat(body).contains("encoder-bundle").contains("tiny-random-1");
    }

    private static void sendFace(String jobId, byte[] png) {
        store.put(ObjectKeys.faceCrop(jobId), png, "image/png");
        FaceMessage face = new FaceMessage(SchemaVersions.CURRENT, jobId, "acme", Instant.now(), SPEC,
                ObjectKeys.input(jobId, "jpg"), ObjectKeys.faceCrop(jobId), ObjectKeys.faceRecord(jobId), 32, 0.98, 1);
        producer.send(new ProducerRecord<>(Topics.FACES, jobId, Json.toString(face)));
    }

    private static IdentityMessage identityOf(String jobId) {
        ConsumerRecord<String, String> r = topics.await(x -> x.topic().equals(Topics.IDENTITIES) && jobId.equals(x.key()));
        return Json.readMessage(r.value().getBytes(StandardCharsets.UTF_8), IdentityMessage.class);
    }

    private static JobEvent eventOf(String jobId, Predicate<JobEvent> which) {
        return topics.awaitEvent(jobId, which);
    }


    private static double metric(String prefix) {
        String body = given().get("/q/metrics").then().statusCode(200).extract().asString();
        return body.lines().filter(l -> l.startsWith(prefix)).mapToDouble(l -> Double.parseDouble(
                l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
