package io.dreamid.face.detect;

import io.dreamid.face.align.Affine;

/**
 * One detected face in some pixel frame (the model input while decoding, the photo afterwards).
 *
 * @param score     detector confidence, 0..1
 * @param box       face box; after mapping through a rotation, the axis-aligned box around the rotated one
 * @param keypoints the six {@link Landmark}s as x0, y0, x1, y1, ... in model output order
 */
public record Detection(double score, Box box, double[] keypoints) {

    public Detection {
        if (keypoints.length != 2 * Landmark.COUNT) {
            throw new IllegalArgumentException("expected " + 2 * Landmark.COUNT + " keypoint coordinates, got "
                    + keypoints.length);
        }
    }

    public double x(Landmark landmark) {
        return keypoints[2 * landmark.ordinal()];
    }

    public double y(Landmark landmark) {
        return keypoints[2 * landmark.ordinal() + 1];
    }

    /** Roll of the face: angle of the line from the subject's right eye to the left eye, in degrees. */
    public double rollDegrees() {
        return Math.toDegrees(Math.atan2(y(Landmark.LEFT_EYE) - y(Landmark.RIGHT_EYE),
                x(Landmark.LEFT_EYE) - x(Landmark.RIGHT_EYE)));
    }

    /** This detection in another frame: keypoints mapped exactly, the box replaced by the box around its corners. */
    public Detection mapped(Affine map) {
        double[] k = new double[keypoints.length];
        for (int i = 0; i < keypoints.length; i += 2) {
            k[i] = map.applyX(keypoints[i], keypoints[i + 1]);
            k[i + 1] = map.applyY(keypoints[i], keypoints[i + 1]);
        }
        double[] xs = {box.left(), box.left() + box.width()};
        double[] ys = {box.top(), box.top() + box.height()};
        double minX = Double.POSITIVE_INFINITY;
        double minY = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        double maxY = Double.NEGATIVE_INFINITY;
        for (double x : xs) {
            for (double y : ys) {
                double mx = map.applyX(x, y);
                double my = map.applyY(x, y);
                minX = Math.min(minX, mx);
                minY = Math.min(minY, my);
                maxX = Math.max(maxX, mx);
                maxY = Math.max(maxY, my);
            }
        }
        return new Detection(score, new Box(minX, minY, maxX - minX, maxY - minY), k);
    }
}
