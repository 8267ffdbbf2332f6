package io.dreamid.face.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import io.dreamid.common.ObjectKeys;
import io.dreamid.common.json.Json;
import io.dreamid.common.json.MalformedMessageException;
import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.ErrorInfo;
import io.dreamid.common.messages.FaceChoice;
import io.dreamid.common.messages.FaceMessage;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.JobMessage;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.QueueWait;
import io.dreamid.common.messages.SchemaVersions;
import io.dreamid.common.messages.Stage;
import io.dreamid.common.storage.ObjectNotFoundException;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.common.storage.ObjectTooLargeException;
import io.dreamid.common.storage.StorageException;
import io.dreamid.face.config.FaceConfig;
import io.dreamid.face.detect.ModelException;
import io.dreamid.face.pipeline.FaceAnalysis;
import io.dreamid.face.pipeline.FaceEngine;
import io.dreamid.face.pipeline.FaceFailure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The work for one job: load the photo, find and align the face, store the crop and the record, hand the job on
 * to the encoder, and report each step as a job event. Deterministic object keys and event ids make a redelivered
 * job rewrite the same objects and repeat the same events, which the gateway recognises.
 */
@ApplicationScoped
public class JobHandler {
    /** Progress of the whole job when face detection starts and when it is done. */
    static final double PROGRESS_STARTED = 0.05;
    static final double PROGRESS_DONE = 0.10;
    /** Step name of the event that reports the face found, with the stage's timings. */
    static final String STEP_DETECTED = "detected";

    private static final Logger LOG = Logger.getLogger(JobHandler.class);

    @Inject
    FaceEngine engine;

    @Inject
    ObjectStore store;

    @Inject
    Publisher publisher;

    @Inject
    Cancellations cancellations;

    @Inject
    FaceConfig config;

    /**
     * Handles one message of {@code dreamid.jobs}. Returns normally when the job is done with (handed on, failed
     * with a reason, skipped); the caller acknowledges it.
     *
     * @param sentAt the record's timestamp (when it was sent), for the {@code face.wait} timing; null if unknown
     * @throws MalformedMessageException the message cannot be read; the caller dead-letters it
     * @throws RuntimeException          the broker kept failing; the caller does not acknowledge
     */
    public void handle(String payload, Instant sentAt) {
        Instant started = Instant.now();
        JobMessage job = JobMessage.read(payload == null ? null : payload.getBytes(StandardCharsets.UTF_8));
        if (!ObjectKeys.isSafeId(job.jobId())) {
            throw new MalformedMessageException("jobId \"" + job.jobId() + "\" is not a valid job id (letters,"
                    + " digits, '.', '_', '-'; at most 128 characters)");
        }
        if (job.identityId() != null) {
            // Identity jobs skip this stage: the encoder-service reads them from dreamid.jobs itself and forwards
            // them, also when a photoRef is set too (the identity wins, so no job is generated twice).
            return;
        }
        if (job.photoRef() == null) {
            fail(job, Map.of(), ErrorCodes.BAD_SPEC, "the job has neither photoRef nor identityId; give one");
            return;
        }
        if (cancellations.isCancelled(job.jobId())) {
            LOG.infof("job %s was cancelled; skipping it", job.jobId());
            return;
        }
        // Jobs produced straight to Kafka have not been through the gateway's checks: a spec that generation
        // would refuse ends here, before any model runs.
        List<String> problems = job.spec() == null ? List.of("the job has no spec") : job.spec().problems(true);
        if (!problems.isEmpty()) {
            fail(job, Map.of(), ErrorCodes.BAD_SPEC, String.join("; ", problems));
            return;
        }
        publisher.started(new JobEvent(SchemaVersions.CURRENT,
                JobEvent.eventIdFor(job.jobId(), Stage.FACE, JobStatus.DETECTING, null), job.jobId(), job.tenant(),
                Stage.FACE, JobStatus.DETECTING, PROGRESS_STARTED, Map.of(), null, List.of(), null, job.spec(),
                Instant.now()));
        Map<String, Long> timings = new LinkedHashMap<>();
        Long waited = QueueWait.millis(sentAt, started);
        if (waited != null) {
            timings.put("face.wait", waited);
        }
        try {
            process(job, timings);
        } catch (FaceFailure e) {
            fail(job, timings, e.code(), e.getMessage());
        } catch (StorageException e) {
            fail(job, timings, ErrorCodes.STORAGE_ERROR, "object storage kept failing: " + e.getMessage());
        } catch (ModelException e) {
            LOG.errorf(e, "job %s: the detector failed", job.jobId());
            fail(job, timings, ErrorCodes.MODEL_ERROR, e.getMessage());
        } catch (Retry.TransientException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.errorf(e, "job %s: unexpected failure", job.jobId());
            fail(job, timings, ErrorCodes.INTERNAL, "the face-service failed on this job: " + e);
        }
    }

    /** Emits FAILED MALFORMED_MESSAGE for a message that could not be read but whose key names a job. */
    public void reportMalformed(String key, String payload, MalformedMessageException e) {
        if (!ObjectKeys.isSafeId(key)) {
            return;
        }
        publisher.event(JobEvent.failed(key, tenantOf(payload), Stage.FACE, ErrorInfo.of(ErrorCodes.MALFORMED_MESSAGE,
                "the job message could not be read (" + e.getMessage() + "); it was moved to the dead-letter topic"),
                Map.of(), Instant.now()));
    }

    /**
     * The tenant a message that cannot be read names, if it is JSON with a text tenant: then the failure is visible
     * to that tenant at the gateway (a message of an unsupported schema version, say). Null otherwise.
     */
    static String tenantOf(String payload) {
        if (payload == null) {
            return null;
        }
        try {
            JsonNode tenant = Json.mapper().readTree(payload).path("tenant");
            return tenant.isTextual() && !tenant.asText().isBlank() ? tenant.asText() : null;
        } catch (IOException | RuntimeException notJson) {
            return null;
        }
    }

    private void process(JobMessage job, Map<String, Long> timings) {
        Retry retry = new Retry(config.retry().attempts(), config.retry().backoff());
        FaceChoice choice = faceChoice(job.spec());

        long t0 = System.nanoTime();
        byte[] photo;
        try {
            photo = retry.call("reading " + job.photoRef(), () -> store.get(job.photoRef(), config.maxPhotoBytes()));
        } catch (ObjectNotFoundException e) {
            throw new FaceFailure(ErrorCodes.PHOTO_NOT_FOUND, "the photo " + job.photoRef()
                    + " is not in storage; upload it again", e);
        } catch (ObjectTooLargeException e) {
            throw new FaceFailure(ErrorCodes.BAD_IMAGE, "the photo is too large: " + e.getMessage(), e);
        }
        timings.put("face.load", millis(System.nanoTime() - t0));

        FaceAnalysis analysis = engine.pipeline().analyse(photo, choice, engine.policy(), engine.cropSize(), timings);

        long t1 = System.nanoTime();
        String cropKey = ObjectKeys.faceCrop(job.jobId());
        String recordKey = ObjectKeys.faceRecord(job.jobId());
        byte[] record = Json.toBytes(analysis.record());
        retry.run("writing " + cropKey + " and " + recordKey, () -> store.putAll(List.of(
                new ObjectStore.Write(cropKey, analysis.cropPng(), "image/png"),
                new ObjectStore.Write(recordKey, record, "application/json"))));
        timings.put("face.store", millis(System.nanoTime() - t1));

        if (cancellations.isCancelled(job.jobId())) {
            LOG.infof("job %s was cancelled while its face was found; not handing it on", job.jobId());
            return;
        }
        publisher.handOn(new FaceMessage(SchemaVersions.CURRENT, job.jobId(), job.tenant(), job.createdAt(),
                job.spec(), job.photoRef(), cropKey, recordKey, engine.cropSize(), analysis.chosen().score(),
                analysis.detections().faces().size()), new JobEvent(SchemaVersions.CURRENT,
                JobEvent.eventIdFor(job.jobId(), Stage.FACE, JobStatus.DETECTING, STEP_DETECTED), job.jobId(),
                job.tenant(), Stage.FACE, JobStatus.DETECTING, PROGRESS_DONE, Map.copyOf(timings), null, List.of(),
                null, null, Instant.now()));
    }

    private static FaceChoice faceChoice(JobSpec spec) {
        try {
            return FaceChoice.parse(spec == null ? null : spec.face());
        } catch (IllegalArgumentException e) {
            throw new FaceFailure(ErrorCodes.BAD_SPEC, "face: " + e.getMessage(), e);
        }
    }

    private void fail(JobMessage job, Map<String, Long> timings, String code, String message) {
        LOG.infof("job %s failed: %s %s", job.jobId(), code, message);
        publisher.event(JobEvent.failed(job.jobId(), job.tenant(), Stage.FACE, ErrorInfo.of(code, message),
                Map.copyOf(timings), Instant.now()));
    }

    private static long millis(long nanos) {
        return Math.round(nanos / 1e6);
    }
}
