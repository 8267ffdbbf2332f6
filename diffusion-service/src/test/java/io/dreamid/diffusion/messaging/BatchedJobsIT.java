package io.dreamid.diffusion.messaging;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.Topics;
import io.dreamid.common.json.Json;
import io.dreamid.common.messages.CancelRequest;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.diffusion.service.GenerationService;
import io.dreamid.testsupport.EmbeddedS3;
import io.dreamid.testsupport.KafkaResource;
import io.dreamid.testsupport.S3Resource;
import io.dreamid.testsupport.TopicRecorder;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Jobs batched through the service (issue 18), with the real broker and S3 server: a worker configured as the GPU
 * overlay configures it (several jobs in work, batches of up to 8 images) takes two jobs sent together into the same
 * UNet runs, and each job's PNGs are byte for byte the ones it gets when it runs alone; cancelling one job of a
 * batch stops that job only. (Bit-identity of batched and unbatched latents for every scheduler: the pipeline's
 * BatchedGenerationTest and DenoiseBatcherTest.)
 */
@QuarkusTest
@TestProfile(BatchedJobsIT.Batching.class)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3Resource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TinyBundleInStorage.class, restrictToAnnotatedClass = true)
class BatchedJobsIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    /**
     * Two jobs in work and batches of 8; the batch waits up to 2 s for the second job's images (the default 5 ms
     * is for a GPU worker whose jobs arrive in a stream; here two jobs must meet on a loaded build machine).
     */
    public static class Batching implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("dreamid.diffusion.batch.max-images", "8",
                    "dreamid.diffusion.batch.max-wait", "2s",
                    "dreamid.stage.inputs.identities.workers", "2");
        }
    }

    private static KafkaProducer<String, String> producer;
    private static TopicRecorder topics;
    private static ObjectStore store;

    @BeforeAll
    static void connect() {
        producer = TopicRecorder.producer();
        topics = new TopicRecorder(TIMEOUT, Topics.JOB_EVENTS);
        store = EmbeddedS3.store();
        IdentityJobs.storeIdentity(store);
    }

    @AfterAll
    static void disconnect() {
        producer.close();
        topics.close();
    }

    @Test
    void twoJobsSentTogetherShareUnetRunsAndGetTheImagesTheyGetAlone() {
        JobSpec a = new JobSpec(List.of("a photo of {id} as an astronaut"), "", 2, 4, 7.5, 42L, 64, 64, "euler",
                null);
        JobSpec b = new JobSpec(List.of("{id} in the snow", "{id} reading"), "blurry", 1, 4, 5.0, 7L, 64, 64,
                "euler", null);
        String aloneA = run(a);
        String aloneB = run(b);
        assertThat(succeeded(aloneA).timings()).containsEntry(GenerationService.JOBS_PER_RUN, 1L);

        String togetherA = "job-batched-a-" + UUID.randomUUID();
        String togetherB = "job-batched-b-" + UUID.randomUUID();
        IdentityJobs.send(producer, togetherA, a);
        IdentityJobs.send(producer, togetherB, b);
        JobEvent doneA = succeeded(togetherA);
        JobEvent doneB = succeeded(togetherB);
        assertThat(doneA.timings()).as("job A shared runs with job B")
                .containsEntry(GenerationService.JOBS_PER_RUN, 2L);
        assertThat(doneB.timings()).containsEntry(GenerationService.JOBS_PER_RUN, 2L);

        assertSameImages(aloneA, togetherA, a);
        assertSameImages(aloneB, togetherB, b);
    }

    @Test
    void cancellingOneJobOfABatchStopsOnlyThatJob() {
        JobSpec slow = new JobSpec(List.of("a photo of {id}"), "", 2, 120, 7.5, 3L, 128, 128, "euler", null);
        JobSpec other = new JobSpec(List.of("{id} on a horse"), "", 2, 120, 7.5, 9L, 128, 128, "euler", null);
        String cancelled = "job-batch-cancel-" + UUID.randomUUID();
        String kept = "job-batch-kept-" + UUID.randomUUID();
        IdentityJobs.send(producer, cancelled, slow);
        IdentityJobs.send(producer, kept, other);
        topics.awaitEvent(cancelled, e -> e.status() == JobStatus.GENERATING && e.eventId().contains(":step-"));
        producer.send(new ProducerRecord<>(Topics.CANCELLATIONS, cancelled,
                Json.toString(CancelRequest.of(cancelled, IdentityJobs.TENANT, Instant.now()))));
        producer.flush();

        topics.awaitEvent(cancelled, e -> e.status() == JobStatus.CANCELLED);
        JobEvent done = succeeded(kept);
        assertThat(done.timings()).as("the two jobs were in one batch before the cancel")
                .containsEntry(GenerationService.JOBS_PER_RUN, 2L);
        assertThat(done.outputs()).hasSize(2);
        assertThat(store.list(ObjectKeys.outputPrefix(cancelled))).isEmpty();
        assertThat(topics.events(cancelled, e -> e.status() == JobStatus.SUCCEEDED)).isEmpty();

        // The kept job's images are those it gets alone: the cancel took nothing from its runs.
        assertSameImages(run(other), kept, other);
    }

    private static String run(JobSpec spec) {
        String jobId = "job-alone-" + UUID.randomUUID();
        IdentityJobs.send(producer, jobId, spec);
        succeeded(jobId);
        return jobId;
    }

    private static JobEvent succeeded(String jobId) {
        return topics.awaitEvent(jobId, e -> e.status() == JobStatus.SUCCEEDED);
    }

    private static void assertSameImages(String aloneJob, String batchedJob, JobSpec spec) {
        for (int p = 0; p < spec.prompts().size(); p++) {
            for (int i = 0; i < spec.imagesPerPrompt(); i++) {
                assertThat(store.get(ObjectKeys.output(batchedJob, p, i)))
                        .as("image %d of prompt %d batched", i, p)
                        .isEqualTo(store.get(ObjectKeys.output(aloneJob, p, i)));
            }
        }
    }
}
