package io.dreamid.face.messaging;

import io.dreamid.common.models.RunGuard;
import io.dreamid.common.ObjectKeys;
import io.dreamid.common.json.Json;
import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.FaceChoice;
import io.dreamid.common.messages.FaceMessage;
import io.dreamid.common.messages.JobMessage;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.SchemaVersions;
import io.dreamid.common.messages.Stage;
import io.dreamid.common.storage.ObjectNotFoundException;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.common.storage.ObjectTooLargeException;
import io.dreamid.face.config.FaceConfig;
import io.dreamid.face.detect.ModelException;
import io.dreamid.face.pipeline.FaceAnalysis;
import io.dreamid.face.pipeline.FaceEngine;
import io.dreamid.face.pipeline.FaceFailure;
import io.dreamid.stage.JobRef;
import io.dreamid.stage.JobsHandler;
import io.dreamid.stage.Outcome;
import io.dreamid.stage.StageFailure;
import io.dreamid.stage.StageInput;
import io.dreamid.stage.StageJob;
import io.dreamid.stage.StageRetry;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The face stage's handler on {@code dreamid.jobs} (the stage runtime does the consuming, dead-lettering,
 * retrying and committing): load the photo, find and align the face, store the crop and the record, and hand the
 * job on to the encoder. Deterministic object keys and event ids make a redelivered job rewrite the same objects
 * and repeat the same events, which the gateway recognises.
 */
@ApplicationScoped
@StageInput(stage = Stage.FACE, name = "jobs", message = JobMessage.class)
public class JobHandler implements JobsHandler {
    /** Progress of the whole job when face detection starts and when it is done. */
    static final double PROGRESS_STARTED = 0.05;
    static final double PROGRESS_DONE = 0.10;
    /** Step name of the event that reports the face found, with the stage's timings. */
    static final String STEP_DETECTED = "detected";

    private static final Logger LOG = Logger.getLogger(JobHandler.class);

    private final FaceEngine engine;
    private final ObjectStore store;
    private final StageRetry retry;
    private final FaceConfig config;

    JobHandler(FaceEngine engine, ObjectStore store, StageRetry retry, FaceConfig config) {
        this.engine = engine;
        this.store = store;
        this.retry = retry;
        this.config = config;
    }

    /**
     * Only jobs with a photo (or photos of several people) are this stage's: jobs by identity and plain text-to-image
     * jobs skip it, the encoder-service reads them from dreamid.jobs itself and forwards them. A job with a photoRef
     * and an identityId is the encoder's too (the identity wins, so no job is generated twice).
     */
    @Override
    public JobRef job(JobMessage job) {
        return job.needsFaceStage() ? new JobRef(job.jobId(), job.tenant()) : null;
    }

    @Override
    public Outcome handle(JobMessage job, StageJob work) {
        // Jobs produced straight to Kafka have not been through the gateway's checks: a spec that generation
        // would refuse ends here, before any model runs.
        List<String> problems = job.spec() == null ? List.of("the job has no spec")
                : job.spec().problems(!job.hasPhotos());
        if (!problems.isEmpty()) {
            throw new StageFailure(ErrorCodes.BAD_SPEC, String.join("; ", problems));
        }
        if (job.hasPhotos()) {
            checkPhotos(job);
        }
        work.report(work.running(JobStatus.DETECTING, null, PROGRESS_STARTED).withSpec(job.spec()));
        if (job.hasPhotos()) {
            return handlePeople(job, work);
        }
        FaceAnalysis analysis = analyse(job, job.photoRef(), "", work.timings());

        long t1 = System.nanoTime();
        String cropKey = ObjectKeys.faceCrop(job.jobId());
        store(analysis, cropKey, ObjectKeys.faceChip(job.jobId()), ObjectKeys.faceRecord(job.jobId()));
        work.timings().put("face.store", millis(System.nanoTime() - t1));

        if (work.cancelled()) {
            LOG.infof("job %s was cancelled while its face was found; not handing it on", job.jobId());
            return Outcome.nothing();
        }
        return Outcome.handOn(new FaceMessage(SchemaVersions.CURRENT, job.jobId(), job.tenant(), job.createdAt(),
                job.spec(), job.photoRef(), cropKey, ObjectKeys.faceRecord(job.jobId()), engine.cropSize(),
                analysis.chosen().score(), analysis.detections().faces().size()),
                work.running(JobStatus.DETECTING, STEP_DETECTED, PROGRESS_DONE).withTimings(work.timings()));
    }

    /** A job of several people: each photo part is detected and aligned on its own, its crop keyed by the part. */
    private Outcome handlePeople(JobMessage job, StageJob work) {
        Map<String, String> crops = new TreeMap<>();
        double lowestScore = 1.0;
        int mostFaces = 1;
        for (Map.Entry<String, String> photo : new TreeMap<>(job.photos()).entrySet()) {
            String part = photo.getKey();
            Map<String, Long> timings = new LinkedHashMap<>();
            FaceAnalysis analysis = analyse(job, photo.getValue(), "photo:" + part + ": ", timings);
            long t1 = System.nanoTime();
            String cropKey = ObjectKeys.personFaceCrop(job.jobId(), part);
            store(analysis, cropKey, ObjectKeys.personFaceChip(job.jobId(), part),
                    ObjectKeys.personFaceRecord(job.jobId(), part));
            timings.put("face.store", millis(System.nanoTime() - t1));
            timings.forEach((step, ms) -> work.timings().merge(step, ms, Long::sum));
            crops.put(part, cropKey);
            lowestScore = Math.min(lowestScore, analysis.chosen().score());
            mostFaces = Math.max(mostFaces, analysis.detections().faces().size());
            if (work.cancelled()) {
                LOG.infof("job %s was cancelled while its faces were found; not handing it on", job.jobId());
                return Outcome.nothing();
            }
        }
        return Outcome.handOn(new FaceMessage(SchemaVersions.CURRENT, job.jobId(), job.tenant(), job.createdAt(),
                job.spec(), null, null, null, engine.cropSize(), lowestScore, mostFaces, crops),
                work.running(JobStatus.DETECTING, STEP_DETECTED, PROGRESS_DONE).withTimings(work.timings()));
    }

    /** The photos of several people must be exactly the parts spec.people names, each a safe key, with no photoRef. */
    private static void checkPhotos(JobMessage job) {
        if (job.photoRef() != null) {
            throw new StageFailure(ErrorCodes.BAD_SPEC, "photos are for a job of several people, which has no"
                    + " photoRef; give one or the other");
        }
        if (!job.photos().keySet().equals(job.spec().photoParts())) {
            throw new StageFailure(ErrorCodes.BAD_SPEC, "photos has the parts " + new TreeMap<>(job.photos()).keySet()
                    + " but spec.people names the photo parts " + job.spec().photoParts()
                    + "; give one photo for each photo:PART and no other");
        }
        job.photos().forEach((part, ref) -> {
            if (!ObjectKeys.isSafeKey(ref)) {
                throw new StageFailure(ErrorCodes.BAD_SPEC, "photos." + part + ": \"" + ref + "\" is not an object key");
            }
        });
    }

    private FaceAnalysis analyse(JobMessage job, String photoRef, String which, Map<String, Long> timings) {
        try {
            return detect(job, photoRef, timings);
        } catch (FaceFailure e) {
            throw new StageFailure(e.code(), which + e.getMessage(), e);
        } catch (ModelException e) {
            LOG.errorf(e, "job %s: the detector failed", job.jobId());
            throw new StageFailure(ErrorCodes.MODEL_ERROR, which + e.getMessage(), e);
        }
    }

    private void store(FaceAnalysis analysis, String cropKey, String chipKey, String recordKey) {
        byte[] record = Json.toBytes(analysis.record());
        byte[] chip = analysis.chipPng();
        retry.run("write " + cropKey + ", " + chipKey + " and " + recordKey, () -> store.putAll(List.of(
                new ObjectStore.Write(cropKey, analysis.cropPng(), "image/png"),
                new ObjectStore.Write(chipKey, chip, "image/png"),
                new ObjectStore.Write(recordKey, record, "application/json"))));
    }

    private FaceAnalysis detect(JobMessage job, String photoRef, Map<String, Long> timings) {
        FaceChoice choice = faceChoice(job.spec());
        long t0 = System.nanoTime();
        byte[] photo;
        try {
            photo = retry.call("read " + photoRef, () -> store.get(photoRef, config.maxPhotoBytes()));
        } catch (ObjectNotFoundException e) {
            throw new FaceFailure(ErrorCodes.PHOTO_NOT_FOUND, "the photo " + photoRef
                    + " is not in storage; upload it again", e);
        } catch (ObjectTooLargeException e) {
            throw new FaceFailure(ErrorCodes.BAD_IMAGE, "the photo is too large: " + e.getMessage(), e);
        }
        timings.put("face.load", millis(System.nanoTime() - t0));
        try (RunGuard.Run run = engine.enter()) {
            return engine.pipeline().analyse(photo, choice, engine.policy(), engine.cropSize(), timings);
        }
    }

    private static FaceChoice faceChoice(JobSpec spec) {
        try {
            return FaceChoice.parse(spec == null ? null : spec.face());
        } catch (IllegalArgumentException e) {
            throw new FaceFailure(ErrorCodes.BAD_SPEC, "face: " + e.getMessage(), e);
        }
    }

    private static long millis(long nanos) {
        return Math.round(nanos / 1e6);
    }
}
