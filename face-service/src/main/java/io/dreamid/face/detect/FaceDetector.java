package io.dreamid.face.detect;

import io.dreamid.face.align.Affine;
import io.dreamid.face.align.FaceAligner;
import io.dreamid.face.align.SimilarityTransform;
import io.dreamid.face.align.Warp;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Finds faces with BlazeFace. The photo is letterboxed into the model's square input (black bars), so any aspect
 * ratio works. No tilted passes are needed: on the test portraits the upright pass finds the face at any roll up to
 * 180 degrees; what tilt spoils is the keypoints, which {@link #refine} corrects (past about 90 degrees the model
 * lays them out as if the face were upright, which the first refinement round checks against the frame turned
 * half way round).
 *
 * <p>Keypoints from a pass over the whole photo are coarse (a face may be 15 px in a 128 px input), so {@link
 * #refine} looks again at the face chosen for alignment, upright and at a fixed scale.
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
    /** Keypoint order of a face seen in a mirror: the subject's right and left swap (eyes, ears). */
    private static final int[] MIRRORED = {1, 0, 2, 3, 5, 4};

    private final BlockingQueue<BlazeFaceModels.Predictors> predictors;
    private final List<BlazeFaceModels.Predictors> all = new ArrayList<>();
    private final double minScore;

    public FaceDetector(BlazeFaceModels models, int workers, double minScore) {
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
    }

    /** All faces of the photo, found with {@code policy}. */
    public DetectionResult detect(Warp photo, DetectorPolicy policy) {
        List<BlazeFaceVariant> variants = switch (policy) {
            case AUTO -> List.of(BlazeFaceVariant.FRONT, BlazeFaceVariant.BACK);
            case FRONT -> List.of(BlazeFaceVariant.FRONT);
            case BACK -> List.of(BlazeFaceVariant.BACK);
        };
        for (BlazeFaceVariant variant : variants) {
            List<Detection> faces = pass(photo, variant, wholePhoto(photo, variant.size()));
            if (!faces.isEmpty()) {
                return new DetectionResult(faces, variant);
            }
        }
        return new DetectionResult(List.of(), variants.get(variants.size() - 1));
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
        int size = BlazeFaceVariant.FRONT.size();
        // Input pixels to the padded canonical frame: 112 crop + 56 on each side = 224, shown at 128.
        double pad = FaceAligner.REFERENCE_SIZE / 2.0;
        double frame = FaceAligner.REFERENCE_SIZE + 2 * pad;
        Affine inputToFrame = new Affine(frame / size, 0, -pad, 0, frame / size, -pad);
        double[] template = FaceAligner.template(FaceAligner.REFERENCE_SIZE);
        Detection current = face;
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
                return current;
            }
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
        return current;
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
                .filter(d -> centreDistance(d, expected) < SAME_FACE_DISTANCE
                        * Math.sqrt(Math.min(d.box().area(), expected.box().area())))
                .min(Comparator.comparingDouble(d -> centreDistance(d, expected)));
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
