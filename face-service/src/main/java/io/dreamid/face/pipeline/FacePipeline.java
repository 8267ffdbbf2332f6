package io.dreamid.face.pipeline;

import io.dreamid.common.image.BadImageException;
import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.image.Png;
import io.dreamid.common.image.RgbImage;
import io.dreamid.common.image.SafeImageDecoder;
import io.dreamid.common.image.SampledImage;
import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.FaceChoice;
import io.dreamid.face.align.DlibChip;
import io.dreamid.face.align.FaceAligner;
import io.dreamid.face.align.Warp;
import io.dreamid.face.detect.Detection;
import io.dreamid.face.detect.DetectionResult;
import io.dreamid.face.detect.DetectorPolicy;
import io.dreamid.face.detect.FaceDetector;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Photo bytes to aligned face, the steps the Kafka consumer and the HTTP endpoint share: decode safely, detect,
 * choose, refine the chosen face, align, encode the crop as PNG. No I/O; thread-safe.
 */
public final class FacePipeline {
    /** Pixels a photo is decoded with at most, unless told otherwise. */
    public static final long DEFAULT_MAX_DECODED_PIXELS = 4_000_000;

    private final FaceDetector detector;
    private final ImageLimits limits;
    private final long maxDecodedPixels;

    public FacePipeline(FaceDetector detector, ImageLimits limits) {
        this(detector, limits, DEFAULT_MAX_DECODED_PIXELS);
    }

    /**
     * @param maxDecodedPixels a larger photo is decoded with every n-th pixel of every n-th row, the smallest n
     *                         that fits: a 40-megapixel photo would take 120 MB per copy of its pixels, and a face
     *                         needs far fewer (the detector reads 128 or 256 px, the aligned crop is 112 or 224 px).
     *                         Everything reported is still in the photo's own pixels.
     */
    public FacePipeline(FaceDetector detector, ImageLimits limits, long maxDecodedPixels) {
        if (maxDecodedPixels < 1_000_000) {
            throw new IllegalArgumentException("dreamid.face.max-decoded-pixels must be at least 1000000, got "
                    + maxDecodedPixels);
        }
        this.detector = detector;
        this.limits = limits;
        this.maxDecodedPixels = maxDecodedPixels;
    }

    public FaceDetector detector() {
        return detector;
    }

    /**
     * @param timings filled with milliseconds per step as they complete, so that a failure can still report them
     * @throws FaceFailure {@code BAD_IMAGE}, {@code NO_FACE}, {@code SEVERAL_FACES} or
     *                     {@code FACE_INDEX_OUT_OF_RANGE}
     */
    public FaceAnalysis analyse(byte[] photo, FaceChoice choice, DetectorPolicy policy, int cropSize,
            Map<String, Long> timings) {
        FaceAligner.requireSupported(cropSize);
        long t0 = System.nanoTime();
        SampledImage sampled = decode(photo);
        RgbImage image = sampled.image();
        long t1 = System.nanoTime();
        timings.put("face.decode", millis(t1 - t0));

        Warp warp = new Warp(image);
        // Detection refines (and so verifies) every candidate; the chosen face's refinement is the one aligned.
        DetectionResult found = detector.detect(warp, policy);
        long t2 = System.nanoTime();
        timings.put("face.detect", millis(t2 - t1));
        // The photo's own size in messages: the user knows it, not the size it was decoded at.
        int chosenIndex = FaceChooser.choose(found.faces(), choice, sampled.header().width(),
                sampled.header().height());
        Detection chosen = found.refined().get(chosenIndex);

        FaceAligner.AlignedFace aligned = FaceAligner.align(warp, chosen, cropSize);
        FaceAligner.AlignedFace chip = DlibChip.align(warp, chosen);
        long t3 = System.nanoTime();
        timings.put("face.align", millis(t3 - t2));

        FaceRecord record = record(sampled, found, choice, chosenIndex, chosen, aligned, cropSize);
        byte[] png = Png.encode(aligned.crop(), Map.of(
                "dreamid:face", "model=" + found.model().id() + " score=" + FaceRecord.round4(chosen.score())
                        + " size=" + cropSize));
        timings.put("face.encode", millis(System.nanoTime() - t3));
        return new FaceAnalysis(sampled.header().width(), sampled.header().height(), found, chosenIndex, chosen,
                aligned, chip, png, record, Map.copyOf(timings));
    }

    /**
     * Every face of a photo on dlib's recognition chip, no face chosen: what the identity judge compares with the
     * people of a job of several people.
     *
     * @param detections the faces, left to right
     * @param chips      each face's chip, in the order of {@code detections}
     */
    public record FaceChips(DetectionResult detections, List<RgbImage> chips) {
    }

    /**
     * Detects every face and aligns each (its refined keypoints) onto dlib's chip; no face gives no chips.
     *
     * @throws FaceFailure {@code BAD_IMAGE}
     */
    public FaceChips chips(byte[] photo, DetectorPolicy policy) {
        Warp warp = new Warp(decode(photo).image());
        DetectionResult found = detector.detect(warp, policy);
        List<RgbImage> chips = new ArrayList<>();
        found.refined().forEach(face -> chips.add(DlibChip.align(warp, face).crop()));
        return new FaceChips(found, List.copyOf(chips));
    }

    private SampledImage decode(byte[] photo) {
        try {
            return SafeImageDecoder.decodeAtMost(photo, limits, maxDecodedPixels);
        } catch (BadImageException e) {
            throw new FaceFailure(ErrorCodes.BAD_IMAGE, e.getMessage(), e);
        }
    }

    /** The record in the photo's own pixels, whatever step the photo was decoded with. */
    private static FaceRecord record(SampledImage sampled, DetectionResult found, FaceChoice choice,
            int chosenIndex, Detection chosen, FaceAligner.AlignedFace aligned, int cropSize) {
        List<FaceRecord.Face> faces = new ArrayList<>();
        found.faces().forEach(d -> faces.add(FaceRecord.Face.of(d, sampled)));
        // crop = M * decoded and decoded = (photo - offset) / step, so crop = M' * photo with the linear part
        // divided by the step and the translation moved by the offset.
        double[][] m = aligned.photoToCrop().matrix();
        int step = sampled.step();
        for (double[] row : m) {
            double translation = row[2] - (row[0] * sampled.offsetX() + row[1] * sampled.offsetY()) / step;
            row[0] = row[0] / step;
            row[1] = row[1] / step;
            row[2] = translation;
            for (int i = 0; i < row.length; i++) {
                row[i] = Math.round(row[i] * 1e6) / 1e6;
            }
        }
        FaceRecord.Transform transform = new FaceRecord.Transform(
                "umeyama-similarity onto arcface-112 (eyes, nose tip, mouth centre)", cropSize, m,
                FaceRecord.round4(aligned.photoToCrop().scale() / step),
                FaceRecord.round(aligned.photoToCrop().rotationDegrees()),
                FaceRecord.round(aligned.rmsErrorPx()), "black");
        return new FaceRecord(1, new FaceRecord.ImageSize(sampled.header().width(), sampled.header().height()),
                found.model().id(), choice.toString(), found.faces().size(), chosenIndex, faces,
                FaceRecord.Face.of(chosen, sampled), transform);
    }

    private static long millis(long nanos) {
        return Math.round(nanos / 1e6);
    }
}
