package io.dreamid.face.pipeline;

import io.dreamid.common.image.BadImageException;
import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.image.Png;
import io.dreamid.common.image.RgbImage;
import io.dreamid.common.image.SafeImageDecoder;
import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.FaceChoice;
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
    private final FaceDetector detector;
    private final ImageLimits limits;

    public FacePipeline(FaceDetector detector, ImageLimits limits) {
        this.detector = detector;
        this.limits = limits;
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
        RgbImage image;
        try {
            image = SafeImageDecoder.decode(photo, limits);
        } catch (BadImageException e) {
            throw new FaceFailure(ErrorCodes.BAD_IMAGE, e.getMessage(), e);
        }
        long t1 = System.nanoTime();
        timings.put("face.decode", millis(t1 - t0));

        Warp warp = new Warp(image);
        // Detection refines (and so verifies) every candidate; the chosen face's refinement is the one aligned.
        DetectionResult found = detector.detect(warp, policy);
        long t2 = System.nanoTime();
        timings.put("face.detect", millis(t2 - t1));
        int chosenIndex = FaceChooser.choose(found.faces(), choice, image.width(), image.height());
        Detection chosen = found.refined().get(chosenIndex);

        FaceAligner.AlignedFace aligned = FaceAligner.align(warp, chosen, cropSize);
        long t3 = System.nanoTime();
        timings.put("face.align", millis(t3 - t2));

        FaceRecord record = record(image, found, choice, chosenIndex, chosen, aligned, cropSize);
        byte[] png = Png.encode(aligned.crop(), Map.of(
                "dreamid:face", "model=" + found.model().id() + " score=" + FaceRecord.round4(chosen.score())
                        + " size=" + cropSize));
        timings.put("face.encode", millis(System.nanoTime() - t3));
        return new FaceAnalysis(image.width(), image.height(), found, chosenIndex, chosen, aligned, png, record,
                Map.copyOf(timings));
    }

    private static FaceRecord record(RgbImage image, DetectionResult found, FaceChoice choice, int chosenIndex,
            Detection chosen, FaceAligner.AlignedFace aligned, int cropSize) {
        List<FaceRecord.Face> faces = new ArrayList<>();
        found.faces().forEach(d -> faces.add(FaceRecord.Face.of(d)));
        double[][] m = aligned.photoToCrop().matrix();
        for (double[] row : m) {
            for (int i = 0; i < row.length; i++) {
                row[i] = Math.round(row[i] * 1e6) / 1e6;
            }
        }
        FaceRecord.Transform transform = new FaceRecord.Transform(
                "umeyama-similarity onto arcface-112 (eyes, nose tip, mouth centre)", cropSize, m,
                FaceRecord.round4(aligned.photoToCrop().scale()),
                FaceRecord.round(aligned.photoToCrop().rotationDegrees()),
                FaceRecord.round(aligned.rmsErrorPx()), "black");
        return new FaceRecord(1, new FaceRecord.ImageSize(image.width(), image.height()), found.model().id(),
                choice.toString(), found.faces().size(), chosenIndex, faces,
                FaceRecord.Face.of(chosen), transform);
    }

    private static long millis(long nanos) {
        return Math.round(nanos / 1e6);
    }
}
