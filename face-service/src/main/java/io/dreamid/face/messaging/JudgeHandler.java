package io.dreamid.face.messaging;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.image.Png;
import io.dreamid.common.image.RgbImage;
import io.dreamid.common.image.SafeImageDecoder;
import io.dreamid.common.messages.IdentityScore;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.Stage;
import io.dreamid.common.models.RunGuard;
import io.dreamid.common.storage.ObjectNotFoundException;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.common.storage.ObjectTooLargeException;
import io.dreamid.common.tensors.Safetensors;
import io.dreamid.face.pipeline.FaceEngine;
import io.dreamid.face.recognize.FaceAssignment;
import io.dreamid.face.recognize.FaceComparer;
import io.dreamid.face.recognize.FaceEmbedding;
import io.dreamid.face.recognize.GeneratedFaces;
import io.dreamid.stage.JobRef;
import io.dreamid.stage.Outcome;
import io.dreamid.stage.StageHandler;
import io.dreamid.stage.StageInput;
import io.dreamid.stage.StageJob;
import io.dreamid.stage.StageRetry;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * The identity judge (issue 14 item 3): reads the diffusion stage's SUCCEEDED events from {@code dreamid.job-events},
 * and for a job that has an input face (the face stage stored its dlib chip, {@code faces/{jobId}/chip.png}) finds
 * the face in each stored image (a verified one), describes it with dlib's network and compares it with the input face. The scores
 * go into one late event of stage JUDGE (status SUCCEEDED, which the gateway's fold merges into the finished job's
 * images without changing its status) and into each PNG's text chunk {@code identity_score}. For a job by identity
 * id the input face is the chip of the job that made the identity. For a {@code bestOf} job the judge also chooses
 * each image among its candidates ({@link BestOf}). For a job of several people ({@code spec.people}, which the
 * diffusion stage's SUCCEEDED event carries) every face of the image is compared with every person's reference face
 * and people are assigned to faces one to one ({@link #scorePeople}). Jobs without an input face (text-only jobs)
 * are skipped: there is nothing to compare with.
 */
@ApplicationScoped
@StageInput(stage = Stage.JUDGE, name = "events", message = JobEvent.class)
public class JudgeHandler implements StageHandler<JobEvent> {
    /** The PNG text chunk the scores are written to. */
    public static final String PNG_CHUNK = "identity_score";

    /** An identity file is K x width floats and a little metadata; anything larger is not one. */
    private static final long MAX_IDENTITY_BYTES = 16L << 20;
    private static final Logger LOG = Logger.getLogger(JudgeHandler.class);

    private final FaceEngine engine;
    private final ObjectStore store;
    private final StageRetry retry;

    JudgeHandler(FaceEngine engine, ObjectStore store, StageRetry retry) {
        this.engine = engine;
        this.store = store;
        this.retry = retry;
    }

    /** Only the diffusion stage's SUCCEEDED events with images are the judge's. */
    @Override
    public JobRef job(JobEvent event) {
        boolean ours = event.stage() == Stage.DIFFUSION && event.status() == JobStatus.SUCCEEDED
                && !event.outputs().isEmpty() && ObjectKeys.isSafeId(event.jobId());
        return ours ? new JobRef(event.jobId(), event.tenant()) : null;
    }

    @Override
    public Outcome handle(JobEvent event, StageJob work) {
        long t0 = System.nanoTime();
        BiFunction<String, byte[], IdentityScore> judge;
        if (event.spec() != null && event.spec().isSeveralPeople()) {
            Map<String, FaceEmbedding> people = peopleFaces(event);
            if (people.isEmpty()) {
                return Outcome.nothing();
            }
            judge = (key, png) -> scorePeople(event.jobId(), key, png, people);
        } else {
            byte[] chipPng = inputFace(event);
            if (chipPng == null) {
                return Outcome.nothing();
            }
            FaceEmbedding input = describe(chipPng);
            judge = (key, png) -> score(event.jobId(), key, png, input);
        }
        work.timings().put("judge.input", millis(System.nanoTime() - t0));

        Map<String, IdentityScore> scores = new LinkedHashMap<>();
        Map<String, byte[]> images = new LinkedHashMap<>();
        long load = 0;
        long score = 0;
        for (String key : event.outputs()) {
            work.checkpoint();
            long t1 = System.nanoTime();
            byte[] png = retry.call("read " + key, () -> store.get(key));
            long t2 = System.nanoTime();
            scores.put(key, judge.apply(key, png));
            images.put(key, png);
            load += t2 - t1;
            score += System.nanoTime() - t2;
        }
        scores = BestOf.choose(scores);
        long t3 = System.nanoTime();
        for (Map.Entry<String, byte[]> image : images.entrySet()) {
            work.checkpoint();
            byte[] rewritten = withScore(image.getValue(), scores.get(image.getKey()));
            retry.run("write " + image.getKey(), () -> store.put(image.getKey(), rewritten, "image/png"));
        }
        long rewrite = System.nanoTime() - t3;
        work.timings().put("judge.load", millis(load));
        work.timings().put("judge.score", millis(score));
        work.timings().put("judge.rewrite", millis(rewrite));
        LOG.infof("job %s judged: %d images, input face %d ms, load %d ms, score %d ms, rewrite %d ms", event.jobId(),
                scores.size(), work.timings().get("judge.input"), millis(load), millis(score), millis(rewrite));
        return Outcome.event(work.succeeded(event.outputs()).withIdentityScores(scores));
    }

    private FaceEmbedding describe(byte[] chipPng) {
        RgbImage chip = SafeImageDecoder.decode(chipPng, ImageLimits.DEFAULT);
        try (RunGuard.Run run = engine.enter()) {
            return FaceComparer.describeWithMirror(engine.recognizer(), chip);
        }
    }

    /**
     * The face to compare with, as a PNG of dlib's chip: the one the face stage stored for this job, or for a job by
     * identity id the chip of the job that made the identity ({@link #identityChip}). Null when there is none: a
     * text-only job, or an identity made before chips were stored.
     */
    private byte[] inputFace(JobEvent event) {
        String chipKey = ObjectKeys.faceChip(event.jobId());
        try {
            return retry.call("read " + chipKey, () -> store.get(chipKey));
        } catch (ObjectNotFoundException e) {
            if (event.identityId() == null || !ObjectKeys.isSafeId(event.identityId())) {
                LOG.debugf("job %s has no input face (%s): not judged", event.jobId(), chipKey);
                return null;
            }
        }
        return identityChip(event.jobId(), event.identityId());
    }

    /**
     * Each person's reference face of a job of several people ({@code spec.people}), by name: for a photo part the
     * chip the face stage stored for it ({@link ObjectKeys#personFaceChip}), for an identity the chip beside the
     * identity's source crop. A person without a readable chip is left out (logged); with nobody left the job is not
     * judged.
     */
    private Map<String, FaceEmbedding> peopleFaces(JobEvent event) {
        Map<String, FaceEmbedding> faces = new TreeMap<>();
        for (Map.Entry<String, String> person : new TreeMap<>(event.spec().people()).entrySet()) {
            String part = JobSpec.photoPart(person.getValue());
            byte[] chip;
            if (part != null) {
                String chipKey = ObjectKeys.personFaceChip(event.jobId(), part);
                try {
                    chip = retry.call("read " + chipKey, () -> store.get(chipKey));
                } catch (ObjectNotFoundException e) {
                    LOG.infof("job %s: %s has no stored chip (%s): not judged", event.jobId(), person.getKey(),
                            chipKey);
                    continue;
                }
            } else if (ObjectKeys.isSafeId(person.getValue())) {
                chip = identityChip(event.jobId(), person.getValue());
            } else {
                continue;
            }
            if (chip != null) {
                faces.put(person.getKey(), describe(chip));
            }
        }
        return faces;
    }

    /**
     * The chip of the job that made an identity: its file's {@code sourceCrop} names that job's crop, the chip is
     * stored beside it. Null when the identity has none (made before chips were stored, or not readable).
     */
    private byte[] identityChip(String jobId, String identityId) {
        String identityKey = ObjectKeys.identity(identityId);
        String sourceChip;
        try {
            byte[] identity = retry.call("read " + identityKey, () -> store.get(identityKey, MAX_IDENTITY_BYTES));
            sourceChip = ObjectKeys.faceChipBesideCrop(Safetensors.read(identity).metadata().get("sourceCrop"));
        } catch (ObjectNotFoundException | ObjectTooLargeException | IllegalArgumentException e) {
            LOG.infof("job %s: identity %s has no readable source face (%s): not judged", jobId, identityId,
                    e.getMessage());
            return null;
        }
        if (sourceChip == null) {
            LOG.infof("job %s: identity %s names no face crop of the layout: not judged", jobId, identityId);
            return null;
        }
        try {
            return retry.call("read " + sourceChip, () -> store.get(sourceChip));
        } catch (ObjectNotFoundException e) {
            LOG.infof("job %s: identity %s has no stored chip (%s): not judged", jobId, identityId, sourceChip);
            return null;
        }
    }

    private IdentityScore score(String jobId, String key, byte[] png, FaceEmbedding input) {
        GeneratedFaces.Found found = GeneratedFaces.find(engine, png, "job " + jobId + ": " + key);
        if (found.count() == 0) {
            return IdentityScore.noFace();
        }
        return scoreOf(found.embedding().distanceTo(input));
    }

    /**
     * Every verified face of the image described, and people assigned to faces one to one with the smallest total
     * distance ({@link FaceAssignment}); a person left without a face scores {@code faceFound=false}. The image's
     * own fields are the worst person's ({@link IdentityScore#worstOf}).
     */
    private IdentityScore scorePeople(String jobId, String key, byte[] png, Map<String, FaceEmbedding> people) {
        List<FaceEmbedding> faces = GeneratedFaces.describeAll(engine, png, "job " + jobId + ": " + key);
        List<String> names = List.copyOf(people.keySet());
        double[][] distances = new double[names.size()][faces.size()];
        for (int i = 0; i < names.size(); i++) {
            for (int j = 0; j < faces.size(); j++) {
                distances[i][j] = faces.get(j).distanceTo(people.get(names.get(i)));
            }
        }
        int[] faceOf = FaceAssignment.assign(distances);
        Map<String, IdentityScore> scores = new TreeMap<>();
        for (int i = 0; i < names.size(); i++) {
            scores.put(names.get(i), faceOf[i] == FaceAssignment.NO_FACE ? IdentityScore.noFace()
                    : scoreOf(distances[i][faceOf[i]]));
        }
        return IdentityScore.worstOf(scores);
    }

    private static IdentityScore scoreOf(double distance) {
        FaceComparer.Comparison c = FaceComparer.Comparison.of(distance);
        return new IdentityScore(true, c.distance(), c.similarity(), c.samePerson());
    }

    /**
     * The PNG with its text chunks and {@code identity_score}, e.g. {@code faceFound=true, distance=0.3123, ...}, and
     * for a candidate of a {@code bestOf} job {@code , chosen=true|false}. For a job of several people the image's
     * (worst person's) fields come first, then each person's by name after {@code "; "}, e.g.
     * {@code faceFound=true, distance=0.41, ...; ada: faceFound=true, distance=0.32, ...; alan: faceFound=true, ...}.
     */
    public static byte[] withScore(byte[] png, IdentityScore s) {
        StringBuilder chunk = new StringBuilder(fields(s)).append(s.chosen() == null ? "" : ", chosen=" + s.chosen());
        s.people().forEach((name, person) -> chunk.append("; ").append(name).append(": ").append(fields(person)));
        // Only the text chunk changes: the pixels were decoded (and so checked) when the image was scored, and
        // re-encoding them cost more than the scoring's face network.
        return Png.withText(png, Map.of(PNG_CHUNK, chunk.toString()));
    }

    private static String fields(IdentityScore s) {
        return s.faceFound()
                ? String.format(Locale.ROOT, "faceFound=true, distance=%.4f, similarity=%.4f, samePerson=%b",
                        s.distance(), s.similarity(), s.samePerson())
                : "faceFound=false";
    }

    private static long millis(long nanos) {
        return Math.round(nanos / 1e6);
    }
}
