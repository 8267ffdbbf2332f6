package io.dreamid.face.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import io.dreamid.common.ObjectKeys;
import io.dreamid.common.Topics;
import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.image.Png;
import io.dreamid.common.image.RgbImage;
import io.dreamid.common.image.SafeImageDecoder;
import io.dreamid.common.json.Json;
import io.dreamid.common.messages.CancelRequest;
import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.FaceMessage;
import io.dreamid.common.messages.IdentityScore;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.JobMessage;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.Stage;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.common.tensors.FloatTensor;
import io.dreamid.common.tensors.Safetensors;
import io.dreamid.face.dataset.DatasetBuildScenario;
import io.dreamid.face.detect.TestImages;
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

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * The face-service against a real Kafka broker and a real S3 server: a job becomes a stored crop and record, a
 * face message and events; unreadable messages are dead-lettered without stopping the partition; user errors,
 * identity jobs, cancellations and redeliveries behave; and the operator endpoint answers.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3Resource.class, restrictToAnnotatedClass = true)
class FaceServiceIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final JobSpec SPEC = new JobSpec(List.of("a photo of {id} as an astronaut"), null, 1, 20, 7.5,
            42L, 512, 512, null, null);
    /** Jobs whose order matters go to one partition, as jobs with equal keys would. */
    private static final int PARTITION = 0;

    private static KafkaProducer<String, String> producer;
    private static TopicRecorder topics;
    private static ObjectStore store;

    @Inject
    Cancellations cancellations;

    @BeforeAll
    static void connect() {
        producer = TopicRecorder.producer();
        topics = new TopicRecorder(TIMEOUT, Topics.FACES, Topics.JOB_EVENTS, Topics.deadLetter(Topics.JOBS));
        store = EmbeddedS3.store();
    }

    @AfterAll
    static void disconnect() {
        producer.close();
        topics.close();
    }

    @Test
    void aJobBecomesAStoredCropARecordAFaceMessageAndEvents() throws Exception {
        String job = "job-face-" + UUID.randomUUID();
        sendJob(job, TestImages.bytes(TestImages.HOPPER), "jpg", SPEC);

        FaceMessage face = faceOf(job);
        assertThat(face.cropRef()).isEqualTo(ObjectKeys.faceCrop(job));
        assertThat(face.faceRecordRef()).isEqualTo(ObjectKeys.faceRecord(job));
        assertThat(face.cropSize()).isEqualTo(112);
        assertThat(face.facesFound()).isEqualTo(1);
        assertThat(face.score()).isGreaterThan(0.9);
        assertThat(face.spec()).isEqualTo(SPEC);
        assertThat(face.tenant()).isEqualTo("acme");
        assertThat(face.photoRef()).isEqualTo(ObjectKeys.input(job, "jpg"));

        RgbImage crop = SafeImageDecoder.decode(store.get(face.cropRef()), ImageLimits.DEFAULT);
        assertThat(crop.width()).isEqualTo(112);
        assertThat(crop.height()).isEqualTo(112);
        JsonNode record = Json.mapper().readTree(store.get(face.faceRecordRef()));
        assertThat(record.get("facesFound").asInt()).isEqualTo(1);
        assertThat(record.get("model").asText()).isEqualTo("front-128");
        assertThat(record.get("image").get("width").asInt()).isEqualTo(512);
        assertThat(record.get("chosen").get("keypoints")).hasSize(6);
        assertThat(record.get("transform").get("matrix")).hasSize(2);

        JobEvent started = eventOf(job, e -> e.eventId().equals(
                JobEvent.eventIdFor(job, Stage.FACE, JobStatus.DETECTING, null)));
        assertThat(started.progress()).isEqualTo(JobHandler.PROGRESS_STARTED);
        assertThat(started.spec()).isEqualTo(SPEC);
        JobEvent detected = eventOf(job, e -> e.eventId().equals(
                JobEvent.eventIdFor(job, Stage.FACE, JobStatus.DETECTING, JobHandler.STEP_DETECTED)));
        assertThat(detected.progress()).isGreaterThan(started.progress());
        assertThat(detected.timings()).containsKeys("face.load", "face.decode", "face.detect", "face.align",
                "face.encode", "face.store");
    }

    @Test
    void aMalformedMessageIsDeadLetteredAndTheNextJobStillCompletes() {
        String poison = "job-poison-" + UUID.randomUUID();
        producer.send(new ProducerRecord<>(Topics.JOBS, PARTITION, poison, "this is { not JSON"));
        String next = "job-next-" + UUID.randomUUID();
        sendJob(next, TestImages.bytes(TestImages.ASTRONAUT), "png", SPEC, PARTITION);

        ConsumerRecord<String, String> dead = topics.await(r -> r.topic().equals(Topics.deadLetter(Topics.JOBS))
                && poison.equals(r.key()));
        assertThat(dead.value()).isEqualTo("this is { not JSON");
        JobEvent failed = eventOf(poison, e -> e.status() == JobStatus.FAILED);
        assertThat(failed.error().code()).isEqualTo(ErrorCodes.MALFORMED_MESSAGE);
        assertThat(faceOf(next).facesFound()).isEqualTo(1);
    }

    @Test
    void userErrorsEndTheJobWithTheirCodes() {
        String noFace = "job-noface-" + UUID.randomUUID();
        sendJob(noFace, TestImages.png(TestImages.cropped(TestImages.image(TestImages.ASTRONAUT), 300, 300, 200,
                200)), "png", SPEC);
        String notImage = "job-notimage-" + UUID.randomUUID();
        sendJob(notImage, "GIF89a but not really".getBytes(StandardCharsets.UTF_8), "gif", SPEC);
        String missing = "job-missing-" + UUID.randomUUID();
        producer.send(new ProducerRecord<>(Topics.JOBS, missing, Json.toString(
                JobMessage.of(missing, "acme", Instant.now(), ObjectKeys.input(missing, "jpg"), null, SPEC))));

        String badSpec = "job-badspec-" + UUID.randomUUID();
        sendJob(badSpec, TestImages.bytes(TestImages.HOPPER), "jpg", new JobSpec(List.of("an astronaut"), null, 1,
                10000, 7.5, 42L, 512, 512, null, null));

        assertThat(failureOf(noFace)).isEqualTo(ErrorCodes.NO_FACE);
        assertThat(failureOf(notImage)).isEqualTo(ErrorCodes.BAD_IMAGE);
        assertThat(failureOf(missing)).isEqualTo(ErrorCodes.PHOTO_NOT_FOUND);
        assertThat(failureOf(badSpec)).isEqualTo(ErrorCodes.BAD_SPEC);
        // Ended jobs are counted for the deployment's failed-job-rate alert (dreamid_stage_jobs_ended_total).
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics.lines().filter(l -> l.startsWith("dreamid_stage_jobs_ended_total{")
                && l.contains("code=\"NO_FACE\"") && l.contains("stage=\"face\"") && l.contains("status=\"FAILED\"")))
                .as(metrics).hasSize(1).allSatisfy(l -> assertThat(Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                        .isGreaterThanOrEqualTo(1.0));
        assertThat(eventOf(badSpec, e -> e.status() == JobStatus.FAILED).error().message())
                .contains("{id}").contains("steps");
        assertThat(topics.received(Duration.ZERO)).noneMatch(r -> r.topic().equals(Topics.FACES)
                && List.of(noFace, notImage, missing, badSpec).contains(r.key()));
    }

    @Test
    void identityJobsTextOnlyJobsAndCancelledJobsAreSkipped() {
        String cancelled = "job-cancelled-" + UUID.randomUUID();
        producer.send(new ProducerRecord<>(Topics.CANCELLATIONS, cancelled,
                Json.toString(CancelRequest.of(cancelled, "acme", Instant.now()))));
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!cancellations.isCancelled(cancelled)) {
            assertThat(System.nanoTime()).as("cancellation seen in time").isLessThan(deadline);
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        String identity = "job-identity-" + UUID.randomUUID();
        producer.send(new ProducerRecord<>(Topics.JOBS, PARTITION, identity, Json.toString(
                JobMessage.of(identity, "acme", Instant.now(), null, "0123456789abcdef0123456789abcdef", SPEC))));
        String textOnly = "job-text-" + UUID.randomUUID();
        producer.send(new ProducerRecord<>(Topics.JOBS, PARTITION, textOnly, Json.toString(
                JobMessage.of(textOnly, "acme", Instant.now(), null, null, new JobSpec(List.of("a lighthouse"), null,
                        1, 2, 7.5, 42L, 64, 64, null, null)))));
        sendJob(cancelled, TestImages.bytes(TestImages.HOPPER), "jpg", SPEC, PARTITION);
        String after = "job-after-" + UUID.randomUUID();
        sendJob(after, TestImages.bytes(TestImages.HOPPER), "jpg", SPEC, PARTITION);

        faceOf(after);
        eventOf(after, e -> e.eventId().endsWith(JobHandler.STEP_DETECTED));
        assertThat(topics.received(Duration.ZERO)).noneMatch(r -> identity.equals(r.key()) || cancelled.equals(r.key())
                || textOnly.equals(r.key()));
    }

    @Test
    void aRedeliveredJobRepeatsTheSameEventIds() {
        String job = "job-again-" + UUID.randomUUID();
        sendJob(job, TestImages.bytes(TestImages.HOPPER), "jpg", SPEC, PARTITION);
        faceOf(job);
        eventOf(job, e -> e.eventId().endsWith(JobHandler.STEP_DETECTED));
        producer.send(new ProducerRecord<>(Topics.JOBS, PARTITION, job, Json.toString(
                JobMessage.of(job, "acme", Instant.now(), ObjectKeys.input(job, "jpg"), null, SPEC))));

        topics.await(r -> r.topic().equals(Topics.FACES) && job.equals(r.key()) && topics.count(Topics.FACES, job) == 2);
        topics.await(r -> topics.count(Topics.JOB_EVENTS, job) == 4);
        List<String> ids = topics.events(job, e -> true).stream().map(JobEvent::eventId).toList();
        assertThat(ids).hasSize(4);
        assertThat(ids.stream().distinct()).hasSize(2);
        assertThat(store.list("faces/" + job + "/")).containsExactlyInAnyOrder(ObjectKeys.faceCrop(job),
                ObjectKeys.faceChip(job), ObjectKeys.faceRecord(job));
    }

    @Test
    void operatorEndpointReturnsDetectionsAndTheCrop() {
        String body = given().urlEncodingEnabled(false).contentType("image/jpeg").body(TestImages.bytes(TestImages.HOPPER))
                .post("/v1/faces:detect")
                .then().statusCode(200)
                .body("record.facesFound", equalTo(1))
                .body("record.transform.cropSize", equalTo(112))
                .extract().path("cropPng");
        RgbImage crop = SafeImageDecoder.decode(Base64.getDecoder().decode(body), ImageLimits.DEFAULT);
        assertThat(crop.width()).isEqualTo(112);

        byte[] png = given().urlEncodingEnabled(false).contentType("image/jpeg").body(TestImages.bytes(TestImages.HOPPER))
                .queryParam("cropSize", 224)
                .post("/v1/faces:align")
                .then().statusCode(200).contentType("image/png").header("X-Faces-Found", "1")
                .extract().asByteArray();
        assertThat(SafeImageDecoder.decode(png, ImageLimits.DEFAULT).width()).isEqualTo(224);

        given().urlEncodingEnabled(false).contentType("application/octet-stream").body("nope".getBytes(StandardCharsets.UTF_8))
                .post("/v1/faces:detect")
                .then().statusCode(400).body("error.code", equalTo(ErrorCodes.BAD_IMAGE));
        given().urlEncodingEnabled(false).contentType("image/png")
                .body(TestImages.png(TestImages.cropped(TestImages.image(TestImages.ASTRONAUT), 300, 300, 200, 200)))
                .post("/v1/faces:detect")
                .then().statusCode(422).body("error.code", equalTo(ErrorCodes.NO_FACE));
        given().urlEncodingEnabled(false).contentType("image/jpeg").body(TestImages.bytes(TestImages.HOPPER)).queryParam("face", "biggest")
                .post("/v1/faces:detect")
                .then().statusCode(400).body("error.code", equalTo(ErrorCodes.BAD_SPEC));
    }

    @Test
    void compareEndpointTellsTheSamePersonFromAnother() {
        byte[] hopper = TestImages.bytes(TestImages.HOPPER);
        byte[] hopperMirrored = TestImages.png(TestImages.mirrored(TestImages.image(TestImages.HOPPER)));
        byte[] astronaut = TestImages.bytes(TestImages.ASTRONAUT);
        float distance = given().urlEncodingEnabled(false).multiPart("a", "a.jpg", hopper, "image/jpeg")
                .multiPart("b", "b.png", hopperMirrored, "image/png")
                .post("/v1/faces:compare")
                .then().statusCode(200)
                .body("samePerson", equalTo(true)).body("threshold", equalTo(0.6f))
                .extract().path("distance");
        assertThat(distance).isBetween(0f, 0.6f);
        given().urlEncodingEnabled(false).multiPart("a", "a.png", astronaut, "image/png").multiPart("b", "b.jpg", hopper, "image/jpeg")
                .post("/v1/faces:compare")
                .then().statusCode(200).body("samePerson", equalTo(false));

        byte[] noFace = TestImages.png(TestImages.cropped(TestImages.image(TestImages.ASTRONAUT), 300, 300, 200, 200));
        given().urlEncodingEnabled(false).multiPart("a", "a.jpg", hopper, "image/jpeg").multiPart("b", "b.png", noFace, "image/png")
                .post("/v1/faces:compare")
                .then().statusCode(422).body("error.code", equalTo(ErrorCodes.NO_FACE))
                .body("error.message", org.hamcrest.Matchers.startsWith("b: "));
        given().urlEncodingEnabled(false).multiPart("a", "a.bin", "nope".getBytes(StandardCharsets.UTF_8), "application/octet-stream")
                .multiPart("b", "b.jpg", hopper, "image/jpeg")
                .post("/v1/faces:compare")
                .then().statusCode(400).body("error.code", equalTo(ErrorCodes.BAD_IMAGE));
        given().urlEncodingEnabled(false).multiPart("a", "a.jpg", hopper, "image/jpeg")
                .post("/v1/faces:compare")
                .then().statusCode(400).body("error.code", equalTo(ErrorCodes.BAD_IMAGE));
        java.awt.image.BufferedImage a = TestImages.image(TestImages.ASTRONAUT);
        java.awt.image.BufferedImage h = TestImages.image(TestImages.HOPPER);
        byte[] two = TestImages.png(TestImages.sideBySide(a, 512, h, 240));
        given().urlEncodingEnabled(false).multiPart("a", "a.png", two, "image/png").multiPart("b", "b.jpg", hopper, "image/jpeg")
                .multiPart("face", "fail-if-several")
                .post("/v1/faces:compare")
                .then().statusCode(422).body("error.code", equalTo(ErrorCodes.SEVERAL_FACES));
    }

    @Test
    void theJudgeScoresEachImageOfASucceededJobAgainstItsInputFace() {
        // A text-only job (no input face, so no chip): the judge skips it. Sent first on the partition the judged
        // job's event takes, so once that job is judged this one has been handled.
        String textOnly = "job-judge-text-" + UUID.randomUUID();
        String textImage = ObjectKeys.output(textOnly, 0, 0);
        store.put(textImage, TestImages.bytes("/judge/tiny-bundle-ddim.png"), "image/png");
        producer.send(new ProducerRecord<>(Topics.JOB_EVENTS, PARTITION, textOnly,
                Json.toString(JobEvent.succeeded(textOnly, "acme", Stage.DIFFUSION, List.of(textImage)))));

        String job = "job-judge-" + UUID.randomUUID();
        sendJob(job, TestImages.bytes(TestImages.ASTRONAUT), "png", SPEC);
        faceOf(job);
        RgbImage chip = SafeImageDecoder.decode(store.get(ObjectKeys.faceChip(job)), ImageLimits.DEFAULT);
        assertThat(chip.width()).isEqualTo(150);
        assertThat(chip.height()).isEqualTo(150);

        // The "generated" images: the same person (mirrored and scaled), another person, and the tiny diffusion
        // bundle's output, which has no face.
        String same = ObjectKeys.output(job, 0, 0);
        String other = ObjectKeys.output(job, 0, 1);
        String tiny = ObjectKeys.output(job, 1, 0);
        store.put(same, TestImages.png(TestImages.scaled(TestImages.mirrored(TestImages.image(TestImages.ASTRONAUT)),
                0.8)), "image/png");
        store.put(other, TestImages.png(TestImages.image(TestImages.HOPPER)), "image/png");
        store.put(tiny, TestImages.bytes("/judge/tiny-bundle-ddim.png"), "image/png");
        List<String> builtIn = new ArrayList<>();
        for (int n = 0; n < 4; n++) {
            builtIn.add(ObjectKeys.output(job, 2 + n / 2, n % 2));
            store.put(builtIn.get(n), TestImages.bytes("/judge/tiny-builtin-" + n + ".png"), "image/png");
        }
        List<String> outputs = new ArrayList<>(List.of(same, other, tiny));
        outputs.addAll(builtIn);
        producer.send(new ProducerRecord<>(Topics.JOB_EVENTS, PARTITION, job,
                Json.toString(JobEvent.succeeded(job, "acme", Stage.DIFFUSION, outputs))));

        JobEvent judged = eventOf(job, e -> e.stage() == Stage.JUDGE);
        assertThat(judged.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(judged.eventId()).isEqualTo(JobEvent.eventIdFor(job, Stage.JUDGE, JobStatus.SUCCEEDED, null));
        assertThat(judged.outputs()).isEqualTo(outputs);
        assertThat(judged.timings()).containsKeys("judge.input", "judge.load", "judge.score", "judge.rewrite");
        IdentityScore sameScore = judged.identityScores().get(same);
        assertThat(sameScore.faceFound()).isTrue();
        assertThat(sameScore.samePerson()).isTrue();
        assertThat(sameScore.distance()).isLessThan(0.6);
        assertThat(sameScore.similarity()).isGreaterThan(0.5);
        IdentityScore otherScore = judged.identityScores().get(other);
        assertThat(otherScore.faceFound()).isTrue();
        assertThat(otherScore.samePerson()).isFalse();
        assertThat(otherScore.distance()).isGreaterThanOrEqualTo(0.6);
        assertThat(otherScore.similarity()).isLessThanOrEqualTo(0.5);
        assertThat(judged.identityScores().get(tiny)).isEqualTo(IdentityScore.noFace());
        for (String key : builtIn) {
            assertThat(judged.identityScores().get(key)).as(key).isEqualTo(IdentityScore.noFace());
        }

        // The scores are in each PNG too, next to its other text chunks, and the pixels are unchanged.
        assertThat(Png.text(store.get(same)).get(JudgeHandler.PNG_CHUNK))
                .startsWith("faceFound=true, distance=").endsWith("samePerson=true");
        assertThat(Png.text(store.get(other)).get(JudgeHandler.PNG_CHUNK)).endsWith("samePerson=false");
        byte[] tinyNow = store.get(tiny);
        assertThat(Png.text(tinyNow).get(JudgeHandler.PNG_CHUNK)).isEqualTo("faceFound=false");
        assertThat(SafeImageDecoder.decode(tinyNow, ImageLimits.DEFAULT).rgb()).isEqualTo(SafeImageDecoder.decode(
                TestImages.bytes("/judge/tiny-bundle-ddim.png"), ImageLimits.DEFAULT).rgb());

        assertThat(topics.received(Duration.ZERO)).noneMatch(r -> r.topic().equals(Topics.JOB_EVENTS)
                && textOnly.equals(r.key()) && r.value().contains("\"JUDGE\""));
        assertThat(Png.text(store.get(textImage))).doesNotContainKey(JudgeHandler.PNG_CHUNK);
    }

    @Test
    void theJudgeChoosesTheNearestCandidateOfEachImageAndJudgesJobsByIdentityAgainstTheIdentitysFace() {
        String job = "job-judge-best-" + UUID.randomUUID();
        sendJob(job, TestImages.bytes(TestImages.ASTRONAUT), "png", SPEC);
        faceOf(job);

        // Image 0: candidates of another person, the same person (rotated) and noise; image 1: noise only.
        byte[] sameFace = TestImages.png(TestImages.rotated(TestImages.image(TestImages.ASTRONAUT), 20));
        List<String> candidates = List.of(ObjectKeys.candidate(job, 0, 0, 0), ObjectKeys.candidate(job, 0, 0, 1),
                ObjectKeys.candidate(job, 0, 0, 2), ObjectKeys.candidate(job, 0, 1, 0),
                ObjectKeys.candidate(job, 0, 1, 1));
        store.put(candidates.get(0), TestImages.png(TestImages.image(TestImages.HOPPER)), "image/png");
        store.put(candidates.get(1), sameFace, "image/png");
        store.put(candidates.get(2), TestImages.bytes("/judge/tiny-bundle-ddim.png"), "image/png");
        store.put(candidates.get(3), TestImages.bytes("/judge/tiny-builtin-0.png"), "image/png");
        store.put(candidates.get(4), TestImages.bytes("/judge/tiny-builtin-1.png"), "image/png");
        producer.send(new ProducerRecord<>(Topics.JOB_EVENTS, PARTITION, job,
                Json.toString(JobEvent.succeeded(job, "acme", Stage.DIFFUSION, candidates))));

        Map<String, IdentityScore> scores = eventOf(job, e -> e.stage() == Stage.JUDGE).identityScores();
        assertThat(candidates).extracting(k -> scores.get(k).chosen()).containsExactly(false, true, false, true, false);
        assertThat(scores.get(candidates.get(0)).samePerson()).isFalse();
        assertThat(scores.get(candidates.get(1)).samePerson()).isTrue();
        assertThat(scores.get(candidates.get(3)).faceFound()).isFalse();
        assertThat(Png.text(store.get(candidates.get(1))).get(JudgeHandler.PNG_CHUNK))
                .startsWith("faceFound=true").endsWith("samePerson=true, chosen=true");
        assertThat(Png.text(store.get(candidates.get(4))).get(JudgeHandler.PNG_CHUNK))
                .isEqualTo("faceFound=false, chosen=false");

        // A job by identity id has no face of its own: it is judged against the chip of the job that made the
        // identity, which the identity file names by its source crop.
        String identityId = "id-judge-" + UUID.randomUUID();
        store.put(ObjectKeys.identity(identityId), Safetensors.write(Map.of("embedding",
                new FloatTensor(new long[] {1, 4}, new float[4])), Map.of("format", "dreamid-identity/1",
                "identityId", identityId, "sourceCrop", ObjectKeys.faceCrop(job))), "application/octet-stream");
        String byIdentity = "job-judge-id-" + UUID.randomUUID();
        String same = ObjectKeys.output(byIdentity, 0, 0);
        String other = ObjectKeys.output(byIdentity, 0, 1);
        store.put(same, sameFace, "image/png");
        store.put(other, TestImages.png(TestImages.image(TestImages.HOPPER)), "image/png");
        producer.send(new ProducerRecord<>(Topics.JOB_EVENTS, PARTITION, byIdentity, Json.toString(
                JobEvent.succeeded(byIdentity, "acme", Stage.DIFFUSION, List.of(same, other)).withIdentity(identityId))));

        Map<String, IdentityScore> byIdentityScores = eventOf(byIdentity, e -> e.stage() == Stage.JUDGE)
                .identityScores();
        assertThat(byIdentityScores.get(same).samePerson()).isTrue();
        assertThat(byIdentityScores.get(same).chosen()).isNull();
        assertThat(byIdentityScores.get(other).samePerson()).isFalse();
    }

    @Test
    void theJudgeMatchesEachPersonOfASeveralPeopleJobToTheirOwnFace() {
        // ada is a photo part of the job (the face stage stores her chip as for any such job); grace an identity made
        // by another job, judged against the chip beside its source crop.
        String graceJob = "job-judge-grace-" + UUID.randomUUID();
        sendJob(graceJob, TestImages.bytes(TestImages.HOPPER), "jpg", SPEC);
        faceOf(graceJob);
        String grace = "id-judge-grace-" + UUID.randomUUID();
        store.put(ObjectKeys.identity(grace), Safetensors.write(Map.of("embedding",
                new FloatTensor(new long[] {1, 4}, new float[4])), Map.of("format", "dreamid-identity/1",
                "identityId", grace, "sourceCrop", ObjectKeys.faceCrop(graceJob))), "application/octet-stream");
        String job = "job-judge-people-" + UUID.randomUUID();
        JobSpec spec = new JobSpec(List.of("{id:ada} and {id:grace} playing chess"), null, 1, 20, 7.5, 42L, 512, 512,
                null, null, null, Map.of("ada", "photo:ada", "grace", grace));
        String adaPhoto = ObjectKeys.personInput(job, "ada", "png");
        store.put(adaPhoto, TestImages.bytes(TestImages.ASTRONAUT), "application/octet-stream");
        producer.send(new ProducerRecord<>(Topics.JOBS, job, Json.toString(
                JobMessage.of(job, "acme", Instant.now(), null, null, spec, Map.of("ada", adaPhoto)))));
        faceOf(job);
        assertThat(store.exists(ObjectKeys.personFaceChip(job, "ada"))).isTrue();

        // The "generated" images: both people side by side (ada left, grace right), ada alone, and noise.
        BufferedImage astronaut = TestImages.image(TestImages.ASTRONAUT);
        BufferedImage hopper = TestImages.image(TestImages.HOPPER);
        BufferedImage composed = TestImages.sideBySide(astronaut, 512, hopper, 240);
        byte[] both = TestImages.png(composed);
        String bothKey = ObjectKeys.output(job, 0, 0);
        String adaAlone = ObjectKeys.output(job, 0, 1);
        String noise = ObjectKeys.output(job, 0, 2);
        store.put(bothKey, both, "image/png");
        store.put(adaAlone, TestImages.png(TestImages.scaled(TestImages.mirrored(astronaut), 0.8)), "image/png");
        store.put(noise, TestImages.bytes("/judge/tiny-bundle-ddim.png"), "image/png");
        producer.send(new ProducerRecord<>(Topics.JOB_EVENTS, job, Json.toString(JobEvent.succeeded(job, "acme",
                Stage.DIFFUSION, List.of(bothKey, adaAlone, noise)).withSpec(spec))));

        Map<String, IdentityScore> scores = eventOf(job, e -> e.stage() == Stage.JUDGE).identityScores();
        IdentityScore two = scores.get(bothKey);
        assertThat(two.people()).containsOnlyKeys("ada", "grace");
        IdentityScore ada = two.people().get("ada");
        IdentityScore graceScore = two.people().get("grace");
        assertThat(ada.samePerson()).isTrue();
        assertThat(ada.distance()).isLessThan(0.6);
        assertThat(graceScore.samePerson()).isTrue();
        assertThat(graceScore.distance()).isLessThan(0.6);
        assertThat(two.distance()).as("the image speaks for its worst person")
                .isEqualTo(Math.max(ada.distance(), graceScore.distance()));
        assertThat(two.samePerson()).isTrue();
        // The swapped assignment, measured through the compare endpoint on each half of the same canvas, is worse:
        // each person is farther from the other's face than from their own.
        int leftWidth = TestImages.scaled(astronaut, 512.0 / astronaut.getHeight()).getWidth();
        byte[] left = TestImages.png(TestImages.cropped(composed, 0, 0, leftWidth, composed.getHeight()));
        byte[] right = TestImages.png(TestImages.cropped(composed, leftWidth, 0, composed.getWidth() - leftWidth,
                composed.getHeight()));
        double adaToRight = compareDistance(TestImages.bytes(TestImages.ASTRONAUT), right);
        double graceToLeft = compareDistance(TestImages.bytes(TestImages.HOPPER), left);
        assertThat(adaToRight).isGreaterThanOrEqualTo(0.6).isGreaterThan(ada.distance());
        assertThat(graceToLeft).isGreaterThanOrEqualTo(0.6).isGreaterThan(graceScore.distance());
        assertThat(adaToRight + graceToLeft).isGreaterThan(ada.distance() + graceScore.distance());
        System.out.printf(java.util.Locale.ROOT, "several people: ada %.4f, grace %.4f; swapped: ada %.4f, grace %.4f%n",
                ada.distance(), graceScore.distance(), adaToRight, graceToLeft);

        // ada alone: grace is left without a face, so the image has faceFound=false while ada's score stands.
        IdentityScore alone = scores.get(adaAlone);
        assertThat(alone.people().get("ada").samePerson()).isTrue();
        assertThat(alone.people().get("grace")).isEqualTo(IdentityScore.noFace());
        assertThat(alone.faceFound()).isFalse();
        assertThat(scores.get(noise)).isEqualTo(IdentityScore.worstOf(Map.of("ada", IdentityScore.noFace(),
                "grace", IdentityScore.noFace())));

        assertThat(Png.text(store.get(bothKey)).get(JudgeHandler.PNG_CHUNK))
                .matches("faceFound=true, distance=[0-9.]+, similarity=[0-9.]+, samePerson=true"
                        + "; ada: faceFound=true, distance=[0-9.]+, similarity=[0-9.]+, samePerson=true"
                        + "; grace: faceFound=true, distance=[0-9.]+, similarity=[0-9.]+, samePerson=true");
        assertThat(Png.text(store.get(adaAlone)).get(JudgeHandler.PNG_CHUNK))
                .startsWith("faceFound=false; ada: faceFound=true").endsWith("; grace: faceFound=false");
    }

    private static double compareDistance(byte[] person, byte[] image) {
        float distance = given().urlEncodingEnabled(false).multiPart("a", "a.img", person, "application/octet-stream")
                .multiPart("b", "b.png", image, "image/png")
                .post("/v1/faces:compare")
                .then().statusCode(200).extract().path("distance");
        return distance;
    }

    /** The dataset builder (issue 16) on this face-service: {@link DatasetBuildScenario}. */
    @Test
    void aDatasetBuildKeepsOrDropsItsPairsByReasonAndARedeliveryRepeatsNothing() throws Exception {
        DatasetBuildScenario.run();
    }

    private static void sendJob(String jobId, byte[] photo, String extension, JobSpec spec) {
        sendJob(jobId, photo, extension, spec, null);
    }

    private static void sendJob(String jobId, byte[] photo, String extension, JobSpec spec, Integer partition) {
        String key = ObjectKeys.input(jobId, extension);
        store.put(key, photo, "application/octet-stream");
        producer.send(new ProducerRecord<>(Topics.JOBS, partition, jobId, Json.toString(
                JobMessage.of(jobId, "acme", Instant.now(), key, null, spec))));
    }

    private static FaceMessage faceOf(String jobId) {
        ConsumerRecord<String, String> r = topics.await(x -> x.topic().equals(Topics.FACES) && jobId.equals(x.key()));
        return Json.readMessage(r.value().getBytes(StandardCharsets.UTF_8), FaceMessage.class);
    }

    private static String failureOf(String jobId) {
        return eventOf(jobId, e -> e.status() == JobStatus.FAILED).error().code();
    }

    private static JobEvent eventOf(String jobId, Predicate<JobEvent> which) {
        return topics.awaitEvent(jobId, which);
    }


}
