package io.dreamid.face.recognize;

import io.dreamid.common.image.RgbImage;
import io.dreamid.common.messages.FaceChoice;
import io.dreamid.face.detect.DetectorPolicy;
import io.dreamid.face.pipeline.FaceAnalysis;
import io.dreamid.face.pipeline.FaceFailure;
import io.dreamid.face.pipeline.FacePipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Whether two photos show the same person: each photo goes through the face pipeline (decoding, detection with
 * verification and refinement, the face choice), the chosen face is aligned onto dlib's 150x150 chip, and the
 * network describes the chip and its mirror image; a face's descriptor is the mean of the two (dlib's descriptor is
 * not mirror-symmetric, and the mean removes most of what left-right placement of the keypoints changes). The
 * distance is euclidean; dlib's threshold 0.6 decides.
 */
public final class FaceComparer {
    private final FacePipeline pipeline;
    private final FaceRecognizer recognizer;

    public FaceComparer(FacePipeline pipeline, FaceRecognizer recognizer) {
        this.pipeline = pipeline;
        this.recognizer = recognizer;
    }

    /**
     * @param distance   euclidean distance of the two descriptors (0 for the same picture)
     * @param similarity {@code max(0, 1 - distance / (2 * threshold))}: 1 for identical descriptors, 0.5 at the
     *                   threshold, 0 at twice the threshold or beyond
     * @param samePerson distance below the threshold
     * @param threshold  dlib's 0.6
     */
    public record Comparison(double distance, double similarity, boolean samePerson, double threshold) {
        public static Comparison of(double distance) {
            double t = FaceRecognizer.SAME_PERSON_THRESHOLD;
            return new Comparison(distance, Math.max(0, 1 - distance / (2 * t)), distance < t, t);
        }
    }

    /**
     * @throws FaceFailure {@code BAD_IMAGE}, {@code NO_FACE}, {@code SEVERAL_FACES} or
     *                     {@code FACE_INDEX_OUT_OF_RANGE}, the message starting with the part ({@code a: ...})
     */
    public Comparison compare(byte[] a, byte[] b, FaceChoice choice, DetectorPolicy policy) {
        FaceEmbedding ea = embed("a", a, choice, policy);
        FaceEmbedding eb = embed("b", b, choice, policy);
        return Comparison.of(ea.distanceTo(eb));
    }

    /** The descriptor of the chosen face of a photo (mean of the chip and its mirror image). */
    public FaceEmbedding embed(String part, byte[] photo, FaceChoice choice, DetectorPolicy policy) {
        FaceAnalysis analysis;
        try {
            analysis = pipeline.analyse(photo, choice, policy, 112, new LinkedHashMap<>());
        } catch (FaceFailure e) {
            throw new FaceFailure(e.code(), part + ": " + e.getMessage(), e);
        }
        return describeWithMirror(recognizer, analysis.recognitionChip().crop());
    }

    /** The mean of the chip's and its mirror image's embeddings (descriptor and pooled features alike). */
    public static FaceEmbedding describeWithMirror(FaceRecognizer recognizer, RgbImage chip) {
        List<FaceEmbedding> both = recognizer.describe(List.of(chip, mirrored(chip)));
        float[] d = mean(both.get(0).descriptor(), both.get(1).descriptor());
        List<float[]> pooled = new ArrayList<>();
        for (int i = 0; i < both.get(0).pooled().size(); i++) {
            pooled.add(mean(both.get(0).pooled().get(i), both.get(1).pooled().get(i)));
        }
        return new FaceEmbedding(d, pooled);
    }

    static RgbImage mirrored(RgbImage image) {
        int w = image.width();
        byte[] src = image.rgb();
        byte[] out = new byte[src.length];
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < w; x++) {
                System.arraycopy(src, (y * w + x) * 3, out, (y * w + (w - 1 - x)) * 3, 3);
            }
        }
        return new RgbImage(w, image.height(), out);
    }

    private static float[] mean(float[] a, float[] b) {
        float[] m = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            m[i] = (a[i] + b[i]) / 2;
        }
        return m;
    }
}
