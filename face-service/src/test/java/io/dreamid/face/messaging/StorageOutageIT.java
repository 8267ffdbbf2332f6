package io.dreamid.face.messaging;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.Topics;
import io.dreamid.common.json.Json;
import io.dreamid.common.messages.FaceMessage;
import io.dreamid.common.messages.JobMessage;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.face.detect.TestImages;
import io.dreamid.testsupport.EmbeddedS3;
import io.dreamid.testsupport.FaultProxy;
import io.dreamid.testsupport.FaultyS3Resource;
import io.dreamid.testsupport.KafkaResource;
import io.dreamid.testsupport.TopicRecorder;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A stage rides out an object-storage outage instead of failing its job: with the S3 server dead (connections
 * refused) and then hung (connections held, no answer), a job sent during the outage waits with the inputs paused
 * and readiness DOWN, and completes once the server is back. Stage runtime behaviour, exercised on the face stage
 * against the real broker and the real S3 server behind a fault proxy.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = FaultyS3Resource.class, restrictToAnnotatedClass = true)
class StorageOutageIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    /** Longer than several backoff rounds and storage time-outs (2 s here), far shorter than the 5 min budget. */
    private static final Duration OUTAGE = Duration.ofSeconds(8);
    private static final JobSpec SPEC = new JobSpec(List.of("a photo of {id}"), null, 1, 20, 7.5, 42L, 512, 512,
            null, null);

    private static KafkaProducer<String, String> producer;
    private static TopicRecorder topics;

    @BeforeAll
    static void connect() {
        producer = TopicRecorder.producer();
        topics = new TopicRecorder(TIMEOUT, Topics.FACES, Topics.JOB_EVENTS);
    }

    @AfterAll
    static void disconnect() {
        producer.close();
        topics.close();
    }

    @AfterEach
    void heal() {
        FaultyS3Resource.proxy().heal();
    }

    @Test
    void aJobSentWhileStorageRefusesConnectionsCompletesWhenItIsBack() {
        rideOut(FaultProxy::refuse, "refused");
    }

    @Test
    void aJobSentWhileStorageHangsCompletesWhenItAnswersAgain() {
        rideOut(FaultProxy::hang, "hung");
    }

    private void rideOut(java.util.function.Consumer<FaultProxy> fault, String kind) {
        String job = "job-outage-" + kind + "-" + UUID.randomUUID();
        String photoKey = ObjectKeys.input(job, "jpg");
        EmbeddedS3.store().put(photoKey, TestImages.bytes(TestImages.HOPPER), "image/jpeg");
        awaitReadiness(200);

        long start = System.nanoTime();
        fault.accept(FaultyS3Resource.proxy());
        producer.send(new ProducerRecord<>(Topics.JOBS, job, Json.toString(
                JobMessage.of(job, "acme", Instant.now(), photoKey, null, SPEC))));
        producer.flush();
        awaitReadiness(503);
        long untilDown = System.nanoTime() - start;
        pauseUntil(start + OUTAGE.toNanos());
        assertThat(topics.events(job, e -> e.status().isTerminal())).as("no outcome while storage is %s", kind)
                .isEmpty();

        FaultyS3Resource.proxy().heal();
        long healed = System.nanoTime();
        ConsumerRecord<String, String> handedOn = topics.await(r -> r.topic().equals(Topics.FACES)
                && job.equals(r.key()));
        long afterHeal = System.nanoTime() - healed;
        FaceMessage face = Json.readMessage(handedOn.value().getBytes(StandardCharsets.UTF_8), FaceMessage.class);
        assertThat(face.facesFound()).isEqualTo(1);
        assertThat(EmbeddedS3.store().exists(face.cropRef())).isTrue();
        assertThat(topics.events(job, e -> e.status() == JobStatus.FAILED)).isEmpty();
        awaitReadiness(200);
        System.out.printf("storage %s for %d s: readiness DOWN after %d ms, job handed on %d ms after the server"
                + " was back%n", kind, OUTAGE.toSeconds(), untilDown / 1_000_000, afterHeal / 1_000_000);
    }

    private static void awaitReadiness(int status) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            last = given().get("/q/health/ready").statusCode();
            if (last == status) {
                return;
            }
            pauseUntil(System.nanoTime() + 100_000_000L);
        }
        throw new AssertionError("readiness stayed " + last + ", expected " + status);
    }

    private static void pauseUntil(long nanoTime) {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(left);
        }
    }
}
