package io.dreamid.common.image;

/**
 * A photo decoded with at most a given number of pixels ({@link SafeImageDecoder#decodeAtMost}), and where its
 * pixels lie in the photo. Coordinates are continuous, with pixel (i, j) covering [i, i+1) x [j, j+1), in the
 * upright image; a point (x, y) of {@link #image} is at {@code (step * x + offsetX, step * y + offsetY)} in the
 * photo.
 *
 * @param image   the decoded pixels, upright
 * @param header  the photo's header: its format and its full size as displayed
 * @param step    1 when every pixel was decoded; otherwise only every step-th pixel of every step-th row was
 * @param offsetX photo x of the image's x = 0 (0 when step is 1)
 * @param offsetY photo y of the image's y = 0
 */
public record SampledImage(RgbImage image, ImageHeader header, int step, double offsetX, double offsetY) {

    public SampledImage {
        if (step < 1) {
            throw new IllegalArgumentException("step must be at least 1, got " + step);
        }
    }

    /** The photo x of an x in {@link #image}. */
    public double photoX(double x) {
        return step * x + offsetX;
    }

    /** The photo y of a y in {@link #image}. */
    public double photoY(double y) {
        return step * y + offsetY;
    }
}
