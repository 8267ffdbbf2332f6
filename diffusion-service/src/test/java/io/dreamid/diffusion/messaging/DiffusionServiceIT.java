package io.dreamid.diffusion.messaging;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.Topics;
import io.dreamid.common.image.RgbImage;
import io.dreamid.common.image.SafeImageDecoder;
import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.json.Json;
import io.dreamid.common.messages.CancelRequest;
import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.IdentityMessage;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.SchemaVersions;
import io.dreamid.common.messages.Stage;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.diffusion.service.GenerationService;
import io.dreamid.testsupport.PngText;
import io.dreamid.testsupport.TopicRecorder;
import io.dreamid.testsupport.EmbeddedS3;
import io.dreamid.testsupport.KafkaResource;
import io.dreamid.testsupport.S3Resource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The diffusion-service against a real Kafka broker and a real S3 server, with the tiny bundle fetched from
 * storage: an identity message becomes N PNGs in storage with progress events and SUCCEEDED; a redelivered job
 * keeps the images stored already and regenerates only the missing or broken ones; a cancel mid-run ends
 * CANCELLED with no further images; unreadable messages go to the
 * dead-letter topic.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3Resource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TinyBundleInStorage.class, restrictToAnnotatedClass = true)
class DiffusionServiceIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final String IDENTITY_ID = IdentityJobs.IDENTITY_ID;

    private static KafkaProducer<String, String> producer;
    private static TopicRecorder topics;
    private static ObjectStore store;

    @BeforeAll
    static void connect() {
        producer = TopicRecorder.producer();
        topics = new TopicRecorder(TIMEOUT, Topics.JOB_EVENTS, Topics.deadLetter(Topics.IDENTITIES));
        store = EmbeddedS3.store();
        IdentityJobs.storeIdentity(store);
    }

    @AfterAll
    static void disconnect() {
        producer.close();
        topics.close();
    }

    @Test
    void anIdentityBecomesPngsInStorageWithProgressAndSucceeded() throws Exception {
        String jobId = "job-gen-" + UUID.randomUUID();
        JobSpec spec = new JobSpec(List.of("a photo of {id} as an astronaut", "{id} in the snow"), "blurry", 2, 6,
                7.5, 42L, 64, 64, "ddim", null);
        send(jobId, spec);

        JobEvent succeeded = eventOf(jobId, e -> e.status() == JobStatus.SUCCEEDED);
        List<String> expected = List.of(ObjectKeys.output(jobId, 0, 0), ObjectKeys.output(jobId, 0, 1),
                ObjectKeys.output(jobId, 1, 0), ObjectKeys.output(jobId, 1, 1));
        assertThat(succeeded.stage()).isEqualTo(Stage.DIFFUSION);
        assertThat(succeeded.progress()).isEqualTo(1.0);
        assertThat(succeeded.outputs()).containsExactlyElementsOf(expected);
        assertThat(succeeded.identityId()).isEqualTo(IDENTITY_ID);
        assertThat(succeeded.spec().prompts()).as("the spec rides along for the identity judge")
                .isEqualTo(spec.prompts());
        assertThat(succeeded.timings()).containsKeys("diffusion.tokenize", "diffusion.text_encode",
                "diffusion.denoise", "diffusion.decode", "diffusion.png", "diffusion.store");
        assertThat(succeeded.timings().keySet()).as("timings are durations only").noneMatch(k -> k.contains("tiny"));
        assertThat(succeeded.notices()).containsExactly(GenerationService.TINY_MODEL_NOTICE);
        List<JobEvent> generating = events(jobId, e -> e.status() == JobStatus.GENERATING);
        assertThat(generating).hasSizeGreaterThanOrEqualTo(2);
        assertThat(generating.get(0).spec()).isEqualTo(spec);
        for (int i = 1; i < generating.size(); i++) {
            assertThat(generating.get(i).progress()).isGreaterThan(generating.get(i - 1).progress());
        }
        assertThat(generating.get(generating.size() - 1).progress()).isLessThan(1.0);

        Map<String, byte[]> first = new HashMap<>();
        assertThat(store.list(ObjectKeys.outputPrefix(jobId))).containsExactlyInAnyOrderElementsOf(expected);
        for (String key : expected) {
            byte[] png = store.get(key);
            first.put(key, png);
            RgbImage image = SafeImageDecoder.decode(png, ImageLimits.DEFAULT);
            assertThat(image.width()).isEqualTo(64);
            assertThat(image.height()).isEqualTo(64);
        }
        Map<String, String> text = PngText.read(first.get(expected.get(2)));
        assertThat(text).containsEntry("prompt", "{id} in the snow").containsEntry("negative_prompt", "blurry")
                .containsEntry("identity", IDENTITY_ID);
        assertThat(text.get("parameters")).contains("steps=6", "seed=42", "image_index=0", "scheduler=ddim");
        assertThat(text.get("model")).contains("noise by design");
        assertThat(first.get(expected.get(0))).isNotEqualTo(first.get(expected.get(1)));

        assertThat(succeeded.timings()).containsEntry(GenerationService.IMAGES_REUSED, 0L);

        // Redelivery after a worker died while storing its third image: the first two are kept, the broken third
        // and the missing fourth are generated again, with the same bytes as the first time.
        store.put(expected.get(2), java.util.Arrays.copyOf(first.get(expected.get(2)), 200), "image/png");
        store.delete(expected.get(3));
        send(jobId, spec);
        topics.waitFor("the redelivered job succeeding again",
                () -> events(jobId, e -> e.status() == JobStatus.SUCCEEDED).size() == 2);
        JobEvent again = events(jobId, e -> e.status() == JobStatus.SUCCEEDED).get(1);
        assertThat(again.outputs()).containsExactlyElementsOf(expected);
        assertThat(again.timings()).containsEntry(GenerationService.IMAGES_REUSED, 2L);
        assertThat(store.list(ObjectKeys.outputPrefix(jobId))).containsExactlyInAnyOrderElementsOf(expected);
        for (String key : expected) {
            assertThat(store.get(key)).as(key).isEqualTo(first.get(key));
        }

        // A job whose images are all stored is not generated again.
        send(jobId, spec);
        topics.waitFor("the job delivered a third time succeeding",
                () -> events(jobId, e -> e.status() == JobStatus.SUCCEEDED).size() == 3);
        JobEvent third = events(jobId, e -> e.status() == JobStatus.SUCCEEDED).get(2);
        assertThat(third.timings()).containsEntry(GenerationService.IMAGES_REUSED, 4L)
                .doesNotContainKey("diffusion.denoise");
    }

    @Test
    void bestOfGeneratesEachImageSeveralTimesUnderCandidateKeysWithItsOwnNoise() {
        String plain = "job-best1-" + UUID.randomUUID();
        String best = "job-best3-" + UUID.randomUUID();
        JobSpec one = new JobSpec(List.of("a photo of {id} as an astronaut"), "", 2, 3, 7.5, 42L, 64, 64, "ddim", null);
        send(plain, one);
        send(best, new JobSpec(one.prompts(), one.negativePrompt(), 2, 3, 7.5, 42L, 64, 64, "ddim", null, null, null,
                3));

        JobEvent single = eventOf(plain, e -> e.status() == JobStatus.SUCCEEDED);
        JobEvent succeeded = eventOf(best, e -> e.status() == JobStatus.SUCCEEDED);
        List<String> candidates = List.of(ObjectKeys.candidate(best, 0, 0, 0), ObjectKeys.candidate(best, 0, 0, 1),
                ObjectKeys.candidate(best, 0, 0, 2), ObjectKeys.candidate(best, 0, 1, 0),
                ObjectKeys.candidate(best, 0, 1, 1), ObjectKeys.candidate(best, 0, 1, 2));
        assertThat(succeeded.outputs()).containsExactlyElementsOf(candidates);
        assertThat(store.list(ObjectKeys.outputPrefix(best))).containsExactlyInAnyOrderElementsOf(candidates);
        // Candidate c of image i is noise seed + i + c x imagesPerPrompt: candidate 0 is the image bestOf 1 gives.
        assertThat(PngText.read(store.get(candidates.get(2))).get("parameters")).contains("noise_seed=46");
        assertThat(PngText.read(store.get(candidates.get(4))).get("parameters")).contains("noise_seed=45");
        for (int i = 0; i < 2; i++) {
            assertThat(pixels(candidates.get(3 * i))).as("candidate 0 of image " + i)
                    .isEqualTo(pixels(single.outputs().get(i)));
            assertThat(pixels(candidates.get(3 * i + 1))).isNotEqualTo(pixels(candidates.get(3 * i)));
        }
    }

    private static byte[] pixels(String key) {
        return SafeImageDecoder.decode(store.get(key), ImageLimits.DEFAULT).rgb();
    }

    @Test
    void aCancelMidRunEndsCancelledWithNoFurtherImages() {
        String jobId = "job-cancel-" + UUID.randomUUID();
        JobSpec spec = new JobSpec(List.of("a photo of {id}", "{id} on a horse"), "", 8, 150, 7.5, 1L, 256, 256,
                "euler", null);
        send(jobId, spec);
        eventOf(jobId, e -> e.status() == JobStatus.GENERATING && e.eventId().contains(":step-"));
        producer.send(new ProducerRecord<>(Topics.CANCELLATIONS, jobId,
                Json.toString(CancelRequest.of(jobId, "acme", Instant.now()))));
        producer.flush();

        JobEvent cancelled = eventOf(jobId, e -> e.status() == JobStatus.CANCELLED);
        assertThat(cancelled.stage()).isEqualTo(Stage.DIFFUSION);
        List<String> atCancel = store.list(ObjectKeys.outputPrefix(jobId));
        assertThat(atCancel.size()).isLessThan(16);

        // A later job finishing proves the cancelled one is over (jobs run one at a time): nothing was added.
        String next = "job-after-cancel-" + UUID.randomUUID();
        send(next, new JobSpec(List.of("{id}"), null, 1, 2, 1.0, 3L, 64, 64, null, null));
        eventOf(next, e -> e.status() == JobStatus.SUCCEEDED);
        assertThat(store.list(ObjectKeys.outputPrefix(jobId))).containsExactlyInAnyOrderElementsOf(atCancel);
        assertThat(events(jobId, e -> e.status() == JobStatus.SUCCEEDED)).isEmpty();
    }

    @Test
    void unreadableMessagesAreDeadLetteredAndBadJobsFailWithTheirCode() {
        String bad = "job-bad-" + UUID.randomUUID();
        producer.send(new ProducerRecord<>(Topics.IDENTITIES, bad, "{not json"));
        producer.flush();
        JobEvent malformed = eventOf(bad, e -> e.status() == JobStatus.FAILED);
        assertThat(malformed.error().code()).isEqualTo(ErrorCodes.MALFORMED_MESSAGE);
        topics.await(r -> r.topic().equals(Topics.deadLetter(Topics.IDENTITIES)) && bad.equals(r.key()));

        String missing = "job-missing-" + UUID.randomUUID();
        producer.send(new ProducerRecord<>(Topics.IDENTITIES, missing, Json.toString(new IdentityMessage(
                SchemaVersions.CURRENT, missing, "acme", Instant.now(),
                new JobSpec(List.of("{id}"), null, 1, 2, 7.5, 1L, 64, 64, null, null), "nobody",
                ObjectKeys.identity("nobody"), "tiny", 2, 32, false))));
        producer.flush();
        assertThat(eventOf(missing, e -> e.status() == JobStatus.FAILED).error().code())
                .isEqualTo(ErrorCodes.IDENTITY_NOT_FOUND);

        String badSpec = "job-badspec-" + UUID.randomUUID();
        send(badSpec, new JobSpec(List.of("a photo without the placeholder"), null, 1, 2, 7.5, 1L, 64, 64, null,
                null));
        JobEvent failed = eventOf(badSpec, e -> e.status() == JobStatus.FAILED);
        assertThat(failed.error().code()).isEqualTo(ErrorCodes.BAD_SPEC);
        assertThat(failed.error().message()).contains("{id}");
    }

    private static void send(String jobId, JobSpec spec) {
        IdentityJobs.send(producer, jobId, spec);
    }

    private static JobEvent eventOf(String jobId, Predicate<JobEvent> match) {
        return topics.awaitEvent(jobId, match);
    }

    private static List<JobEvent> events(String jobId, Predicate<JobEvent> match) {
        return topics.events(jobId, match);
    }



}
