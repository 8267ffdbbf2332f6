package io.dreamid.face.detect;

import io.dreamid.face.align.Affine;
import io.dreamid.face.align.FaceAligner;
import io.dreamid.face.align.SimilarityTransform;
import io.dreamid.face.align.Warp;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Finds faces with BlazeFace. The photo is letterboxed into the model's square input (black bars), so any aspect
 * ratio works. The upright pass finds most faces at any roll, but not all (the astronaut turned -160 degrees), and at
 * a tilt it also finds face-like patterns (folds of her rotated suit, larger than her face); so every candidate is
 * verified on its upright close-up, and when no candidate of the upright pass is a verified face, the photo is shown
 * to the model turned by quarter turns ({@link #detect}). What tilt spoils in a real face is the keypoints, which
 * {@link #refine} corrects (past about 90 degrees the model lays them out as if the face were upright, which the
 * first refinement round checks against the frame turned half way round).
 *
 * <p>Keypoints from a pass over the whole photo are coarse (a face may be 15 px in a 128 px input), so {@link
 * #refine} looks again at each face, upright and at a fixed scale.
 *
 * <p>Thread-safe: holds one {@link BlazeFaceModels.Predictors} per worker and lends one per call, so at most
 * {@code workers} inferences run at a time.
 */
public final class FaceDetector implements AutoCloseable {
    /** Most close-up rounds of {@link #refine}. */
    static final int REFINE_ROUNDS = 8;
    /** Fraction of the way {@link #refine} moves towards each new close-up's keypoints after the first. */
    static final double REFINE_DAMPING = 0.5;
    /** {@link #refine} stops once keypoints move less than this, in pixels of a 112 crop. */
    static final double REFINE_TOLERANCE = 0.25;
    /**
     * A close-up face counts as the same face when its box centre is within this fraction of the smaller box's side
     * of the previous one. A centre distance, not an overlap: a box found in a tilted frame becomes, in the photo,
     * the axis-aligned box around the tilted one, up to twice as large, and an overlap test then drops a face rolled
     * 40 degrees that the close-up found with confidence.
     */
    static final double SAME_FACE_DISTANCE = 0.5;
    /** Whole-photo passes show the model the photo turned by these angles, in this order, until one verifies a face. */
    static final int[] TURNS = {0, 180, 90, -90};
    /**
     * At most this many candidates of a pass are verified, the best-scored: each costs a refinement (about 16 ms
     * when it is not a face), so a photo crowded with face-like patterns cannot hold a worker for long. A group
     * photo with more faces than this gives its best-scored ones.
     */
    static final int MAX_CANDIDATES = 24;
    /** Default of {@code dreamid.face.face-score}. */
    public static final double DEFAULT_FACE_SCORE = 0.8;
    /** Keypoint order of a face seen in a mirror: the subject's right and left swap (eyes, ears). */
    private static final int[] MIRRORED = {1, 0, 2, 3, 5, 4};

    private final BlockingQueue<BlazeFaceModels.Predictors> predictors;
    private final List<BlazeFaceModels.Predictors> all = new ArrayList<>();
    private final double minScore;
    private final double faceScore;

    public FaceDetector(BlazeFaceModels models, int workers, double minScore) {
        this(models, workers, minScore, DEFAULT_FACE_SCORE);
    }

    /**
     * @param minScore  detector confidence below which a candidate is dropped
     * @param faceScore confidence on its upright close-up below which a candidate is not counted as a face while
     *                  another candidate reaches it (see {@link #detect})
     */
    public FaceDetector(BlazeFaceModels models, int workers, double minScore, double faceScore) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, got " + workers);
        }
        this.predictors = new ArrayBlockingQueue<>(workers);
        for (int i = 0; i < workers; i++) {
            BlazeFaceModels.Predictors p = models.newPredictors();
            all.add(p);
            predictors.add(p);
        }
        this.minScore = minScore;
        this.faceScore = faceScore;
    }

    /**
     * All faces of the photo, found with {@code policy}, each with its refinement ({@link #refine}).
     *
     * <p>Every candidate of a whole-photo pass is verified on its upright close-up: the refinement's last close-up
     * shows the candidate centred, upright and at the model's favourite scale, where a real face scores high (0.92
     * to 0.98 on the test portraits at every roll) and a pattern that only looked like a face at a tilt, in the
     * whole photo, does not (0.56 to 0.72 for the folds of the astronaut's rotated suit, which also never settle).
     * Candidates below {@link #faceScore} do not count as faces while a verified one exists; two candidates whose
     * refinements land on the same face are one face (the better verified is kept).
     *
     * <p>Passes: each model of the policy over the photo as is, then turned 180, 90 and -90 degrees, until a pass
     * gives a verified face. Turning is needed because the upright pass misses some strongly rolled faces (the
     * astronaut turned -160 degrees is not among its candidates at all); it costs nothing for a photo whose upright
     * pass verifies a face. If no pass verifies a face, the first pass's candidates are returned as they are (as
     * before verification existed), so an unusual real face is still aligned rather than refused.
     */
    public DetectionResult detect(Warp photo, DetectorPolicy policy) {
        List<BlazeFaceVariant> variants = switch (policy) {
            case AUTO -> List.of(BlazeFaceVariant.FRONT, BlazeFaceVariant.BACK);
            case FRONT -> List.of(BlazeFaceVariant.FRONT);
            case BACK -> List.of(BlazeFaceVariant.BACK);
        };
        DetectionResult unverified = null;
        for (BlazeFaceVariant variant : variants) {
            for (int turn : TURNS) {
                List<Detection> faces = pass(photo, variant, turned(wholePhoto(photo, variant.size()),
                        variant.size(), turn));
                if (faces.isEmpty()) {
                    continue;
                }
                List<Candidate> candidates = new ArrayList<>();
                for (Detection face : strongest(faces, MAX_CANDIDATES)) {
                    candidates.add(new Candidate(face, refineScored(photo, face)));
                }
                List<Candidate> verified = distinct(candidates.stream()
                        .filter(c -> c.refined().closeUpScore() >= faceScore).toList());
                if (!verified.isEmpty()) {
                    return result(verified, variant, true);
                }
                if (unverified == null && turn == 0) {
                    unverified = result(distinct(candidates), variant, false);
                }
            }
        }
        return unverified != null ? unverified : new DetectionResult(List.of(), List.of(),
                variants.get(variants.size() - 1));
    }

    /** The {@code max} best-scored of {@code faces}, in their order. */
    static List<Detection> strongest(List<Detection> faces, int max) {
        if (faces.size() <= max) {
            return faces;
        }
        List<Detection> best = new ArrayList<>(faces);
        best.sort(Comparator.comparingDouble(Detection::score).reversed());
        Set<Detection> kept = Collections.newSetFromMap(new IdentityHashMap<>());
        kept.addAll(best.subList(0, max));
        return faces.stream().filter(kept::contains).toList();
    }

    /** A whole-photo candidate and its refinement. */
    private record Candidate(Detection found, Scored refined) {
    }

    /** A refined face and the detector's confidence on its last close-up (0 when no close-up showed it). */
    record Scored(Detection face, double closeUpScore) {
    }

    /**
     * The candidates whose refined faces are different faces: when two refinements land on the same face (centres
     * within {@link #SAME_FACE_DISTANCE} of the smaller box's side), the one with the higher close-up score.
     */
    private static List<Candidate> distinct(List<Candidate> candidates) {
        List<Candidate> byScore = new ArrayList<>(candidates);
        byScore.sort(Comparator.comparingDouble((Candidate c) -> c.refined().closeUpScore()).reversed());
        List<Candidate> kept = new ArrayList<>();
        for (Candidate c : byScore) {
            Detection face = c.refined().face();
            if (kept.stream().noneMatch(k -> sameFace(k.refined().face(), face))) {
                kept.add(c);
            }
        }
        return kept;
    }

    private static DetectionResult result(List<Candidate> candidates, BlazeFaceVariant variant, boolean verified) {
        List<Candidate> leftToRight = new ArrayList<>(candidates);
        leftToRight.sort(Comparator.comparingDouble(c -> c.found().box().centerX()));
        return new DetectionResult(leftToRight.stream().map(Candidate::found).toList(),
                leftToRight.stream().map(c -> c.refined().face()).toList(), variant, verified);
    }

    /**
     * {@code inputToPhoto} for the photo turned by {@code degrees} (a multiple of 90) about the input square's centre:
     * the model sees the photo turned, and boxes map back onto axis-aligned boxes of the same size.
     */
    static Affine turned(Affine inputToPhoto, int size, int degrees) {
        if (degrees == 0) {
            return inputToPhoto;
        }
        double r = Math.toRadians(degrees);
        double cos = Math.rint(Math.cos(r));
        double sin = Math.rint(Math.sin(r));
        double c = size / 2.0;
        // Input pixel of the turned view to input pixel of the upright view: rotation by -degrees about the centre.
        Affine turn = new Affine(cos, sin, c - cos * c - sin * c, -sin, cos, c + sin * c - cos * c);
        return inputToPhoto.after(turn);
    }

    /**
     * The same face, found again in the frame it will be aligned in. Keypoints from a pass over the whole photo
     * are coarse and depend on the face's tilt and size, so the face is looked at again in the canonical frame:
     * the ArcFace-aligned crop with half a crop of context on each side, read from the photo at the 128 model's
     * input size. The keypoints found there define the next frame; this repeats until they move less than {@link
     * #REFINE_TOLERANCE} crop pixels (at most {@link #REFINE_ROUNDS} times). Near that fixed point, detecting again
     * on the aligned crop finds the keypoints where the alignment put them. Returns {@code face} itself when the
     * first close-up shows no face.
     *
     * <p>Each close-up is read twice, as is and mirrored, and the two sets of keypoints (the mirrored one with
     * right and left swapped back) are averaged ({@link #closeUp}). The model's keypoints jitter by about a pixel of
     * its input (1.75 px of a 112 crop) with the sub-pixel placement of the face, most for the ears, which lie near
     * the edge of the face. The mirrored read errs differently, and the mean roughly halves the ears' worst
     * disagreement with a second look at the aligned crop (README, "Refinement noise"); it also makes the estimate
     * treat a face and its mirror image alike.
     */
    public Detection refine(Warp photo, Detection face) {
        return refineScored(photo, face).face();
    }

    /** {@link #refine}, with the detector's confidence on the last close-up, which {@link #detect} verifies. */
    Scored refineScored(Warp photo, Detection face) {
        int size = BlazeFaceVariant.FRONT.size();
        // Input pixels to the padded canonical frame: 112 crop + 56 on each side = 224, shown at 128.
        double pad = FaceAligner.REFERENCE_SIZE / 2.0;
        double frame = FaceAligner.REFERENCE_SIZE + 2 * pad;
        Affine inputToFrame = new Affine(frame / size, 0, -pad, 0, frame / size, -pad);
        double[] template = FaceAligner.template(FaceAligner.REFERENCE_SIZE);
        Detection current = face;
        double closeUpScore = 0;
        for (int round = 0; round < REFINE_ROUNDS; round++) {
            Affine photoToCrop = SimilarityTransform.estimate(FaceAligner.alignmentPoints(current), template);
            Affine inputToPhoto = photoToCrop.inverse().after(inputToFrame);
            Optional<Detection> found = closeUp(photo, inputToPhoto, current);
            if (round == 0) {
                // An upside-down face gets keypoints laid out as if it were upright; in the frame turned half way
                // round it is upright and the model is surer of it.
                Detection turned = turnedHalfway(current);
                Affine turnedToCrop = SimilarityTransform.estimate(FaceAligner.alignmentPoints(turned), template);
                Optional<Detection> other = closeUp(photo, turnedToCrop.inverse().after(inputToFrame), turned);
                if (other.isPresent() && (found.isEmpty() || other.get().score() > found.get().score())) {
                    found = other;
                    current = turned;
                    photoToCrop = turnedToCrop;
                }
            }
            if (found.isEmpty()) {
                return new Scored(current, closeUpScore);
            }
            closeUpScore = found.get().score();
            // The first close-up corrects the coarse whole-photo keypoints fully; later rounds move half way, because
            // a full step can keep a face circling a fixed point by a pixel or two instead of settling on it.
            double step = round == 0 ? 1 : REFINE_DAMPING;
            double[] k = found.get().keypoints().clone();
            for (int i = 0; i < k.length; i++) {
                k[i] = current.keypoints()[i] + step * (k[i] - current.keypoints()[i]);
            }
            Detection next = new Detection(Math.max(found.get().score(), face.score()), found.get().box(), k);
            double moved = maxDistance(photoToCrop, current, next);
            current = next;
            if (moved < REFINE_TOLERANCE) {
                break;
            }
        }
        return new Scored(current, closeUpScore);
    }

    /**
     * The face {@code expected} in the close-up frame {@code inputToPhoto}, in photo pixels: the frame is read as is
     * and mirrored left to right, and the two detections are averaged (keypoints, with right and left swapped back
     * in the mirrored one; box; score). If only one read finds the face, that one.
     */
    private Optional<Detection> closeUp(Warp photo, Affine inputToPhoto, Detection expected) {
        Optional<Detection> direct = closest(pass(photo, BlazeFaceVariant.FRONT, inputToPhoto), expected);
        int size = BlazeFaceVariant.FRONT.size();
        Affine mirror = new Affine(-1, 0, size, 0, 1, 0);
        Optional<Detection> flipped = closest(pass(photo, BlazeFaceVariant.FRONT, inputToPhoto.after(mirror)),
                expected);
        if (direct.isEmpty() || flipped.isEmpty()) {
            return direct.isPresent() ? direct : flipped.map(FaceDetector::unmirrored);
        }
        return Optional.of(mean(direct.get(), unmirrored(flipped.get())));
    }

    /** A face found in a mirrored read, with the subject's right and left keypoints put back in place. */
    static Detection unmirrored(Detection face) {
        double[] k = new double[face.keypoints().length];
        for (int i = 0; i < MIRRORED.length; i++) {
            k[2 * i] = face.keypoints()[2 * MIRRORED[i]];
            k[2 * i + 1] = face.keypoints()[2 * MIRRORED[i] + 1];
        }
        return new Detection(face.score(), face.box(), k);
    }

    /** The mean of two detections of one face: keypoints, box edges and score. */
    static Detection mean(Detection a, Detection b) {
        double[] k = new double[a.keypoints().length];
        for (int i = 0; i < k.length; i++) {
            k[i] = (a.keypoints()[i] + b.keypoints()[i]) / 2;
        }
        Box box = new Box((a.box().left() + b.box().left()) / 2, (a.box().top() + b.box().top()) / 2,
                (a.box().width() + b.box().width()) / 2, (a.box().height() + b.box().height()) / 2);
        return new Detection((a.score() + b.score()) / 2, box, k);
    }

    /** The same face with its keypoints turned 180 degrees about the box centre. */
    static Detection turnedHalfway(Detection face) {
        double cx = face.box().centerX();
        double cy = face.box().centerY();
        double[] k = face.keypoints().clone();
        for (int i = 0; i < k.length; i += 2) {
            k[i] = 2 * cx - k[i];
            k[i + 1] = 2 * cy - k[i + 1];
        }
        return new Detection(face.score(), face.box(), k);
    }

    private static Optional<Detection> closest(List<Detection> found, Detection expected) {
        return found.stream()
                .filter(d -> sameFace(d, expected))
                .min(Comparator.comparingDouble(d -> centreDistance(d, expected)));
    }

    private static boolean sameFace(Detection a, Detection b) {
        return centreDistance(a, b) < SAME_FACE_DISTANCE * Math.sqrt(Math.min(a.box().area(), b.box().area()));
    }

    private static double centreDistance(Detection a, Detection b) {
        return Math.hypot(a.box().centerX() - b.box().centerX(), a.box().centerY() - b.box().centerY());
    }

    /** Largest distance between the alignment points of two detections, in crop pixels. */
    private static double maxDistance(Affine photoToCrop, Detection a, Detection b) {
        double[] pa = FaceAligner.alignmentPoints(a);
        double[] pb = FaceAligner.alignmentPoints(b);
        double max = 0;
        for (int i = 0; i < pa.length; i += 2) {
            double dx = photoToCrop.applyX(pa[i], pa[i + 1]) - photoToCrop.applyX(pb[i], pb[i + 1]);
            double dy = photoToCrop.applyY(pa[i], pa[i + 1]) - photoToCrop.applyY(pb[i], pb[i + 1]);
            max = Math.max(max, Math.hypot(dx, dy));
        }
        return max;
    }

    /**
     * One pass of {@code variant} over the whole photo as is, its candidates unverified (a building block of {@link
     * #detect}; the benchmark times it against the bare model run).
     */
    public List<Detection> wholePhotoPass(Warp photo, BlazeFaceVariant variant) {
        return pass(photo, variant, wholePhoto(photo, variant.size()));
    }

    /** One model run on the region {@code inputToPhoto} maps the input square onto; faces in photo pixels. */
    List<Detection> pass(Warp photo, BlazeFaceVariant variant, Affine inputToPhoto) {
        int size = variant.size();
        float[] input = new float[size * size * 3];
        photo.toTensor(inputToPhoto, size, input);
        BlazeFaceTranslator.RawOutput raw = run(variant, input);
        List<Detection> faces = new ArrayList<>();
        for (Detection d : BlazeFaceDecoder.decode(size, raw.scores16(), raw.scores8(), raw.boxes16(), raw.boxes8(),
                minScore)) {
            faces.add(d.mapped(inputToPhoto));
        }
        faces.sort(Comparator.comparingDouble(d -> d.box().centerX()));
        return faces;
    }

    /** Runs a model on a prepared input with a borrowed predictor; used by the benchmark too. */
    public BlazeFaceTranslator.RawOutput run(BlazeFaceVariant variant, float[] input) {
        BlazeFaceModels.Predictors p;
        try {
            p = predictors.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a free detector", e);
        }
        try {
            return p.run(variant, input);
        } finally {
            predictors.add(p);
        }
    }

    /** The square around the whole photo, mapped from a {@code size} input (letterbox, black bars). */
    static Affine wholePhoto(Warp photo, int size) {
        double w = photo.image().width();
        double h = photo.image().height();
        double s = Math.max(w, h) / size;
        return new Affine(s, 0, (w - Math.max(w, h)) / 2, 0, s, (h - Math.max(w, h)) / 2);
    }

    @Override
    public void close() {
        all.forEach(BlazeFaceModels.Predictors::close);
        all.clear();
    }
}
