package io.dreamid.face.pipeline;

import io.dreamid.common.image.SampledImage;
import io.dreamid.face.detect.Detection;
import io.dreamid.face.detect.Landmark;

import java.util.ArrayList;
import java.util.List;

/**
 * What the face-service found in a photo, stored as JSON next to the aligned crop ({@code faces/{jobId}/face.json})
 * and returned by {@code POST /v1/faces:detect}. Coordinates are photo pixels (after EXIF orientation) with pixel
 * (i, j) covering [i, i+1) x [j, j+1).
 *
 * @param schemaVersion  1
 * @param image          the photo's size (after EXIF orientation)
 * @param model          the BlazeFace model whose pass found the faces ({@code front-128} or {@code back-256})
 * @param faceChoice     the choice rule applied ({@code largest}, {@code index:N}, {@code fail-if-several})
 * @param facesFound     how many faces the photo has
 * @param chosenIndex    which of {@code faces} was aligned (left to right, from 0)
 * @param faces          every face found, left to right, as found by the whole-photo pass
 * @param chosen         the chosen face after refinement in its canonical frame: the points the alignment used
 * @param transform      the alignment
 */
public record FaceRecord(
        int schemaVersion,
        ImageSize image,
        String model,
        String faceChoice,
        int facesFound,
        int chosenIndex,
        List<Face> faces,
        Face chosen,
        Transform transform) {

    public record ImageSize(int width, int height) {
    }

    /** A face: box (left, top, width, height), confidence, and the six keypoints by name. */
    public record Face(double score, BoxJson box, List<Keypoint> keypoints) {
        public static Face of(Detection d) {
            return of(d, null);
        }

        /** A detection in the pixels of {@code sampled}'s image, in the photo's own pixels (null: the same). */
        public static Face of(Detection d, SampledImage sampled) {
            int step = sampled == null ? 1 : sampled.step();
            double dx = sampled == null ? 0 : sampled.offsetX();
            double dy = sampled == null ? 0 : sampled.offsetY();
            List<Keypoint> points = new ArrayList<>();
            for (Landmark l : Landmark.values()) {
                points.add(new Keypoint(l.jsonName(), round(step * d.x(l) + dx), round(step * d.y(l) + dy)));
            }
            return new Face(round4(d.score()), new BoxJson(round(step * d.box().left() + dx),
                    round(step * d.box().top() + dy), round(step * d.box().width()), round(step * d.box().height())),
                    points);
        }
    }

    public record BoxJson(double left, double top, double width, double height) {
    }

    public record Keypoint(String name, double x, double y) {
    }

    /**
     * @param method     how the transform was found
     * @param cropSize   side of the aligned crop in pixels
     * @param matrix     2x3 row-major map from photo pixels to crop pixels
     * @param scale      crop pixels per photo pixel
     * @param rotation   degrees the photo is turned by to make the face upright
     * @param rmsErrorPx how far the four points land from the template, in crop pixels
     * @param border     what crop pixels outside the photo are
     */
    public record Transform(String method, int cropSize, double[][] matrix, double scale, double rotation,
            double rmsErrorPx, String border) {
    }

    static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    static double round4(double v) {
        return Math.round(v * 10000) / 10000.0;
    }
}
