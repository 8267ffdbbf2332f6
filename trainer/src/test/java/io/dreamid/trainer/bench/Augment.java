package io.dreamid.trainer.bench;

import io.dreamid.common.image.RgbImage;

import java.util.SplittableRandom;

/**
 * Random variants of an aligned face chip, as a dataset builder makes them: a crop of 80-100 % of the chip moved by up
 * to 6 % of its side, a horizontal flip half of the time, a rotation of up to 10 degrees, and brightness, contrast and
 * saturation each scaled by 0.8-1.2; resampled bilinearly to {@code size} x {@code size}.
 */
final class Augment {
    private Augment() {
    }

    static RgbImage variant(RgbImage chip, int size, SplittableRandom rng) {
        double side = chip.width() * (0.8 + 0.2 * rng.nextDouble());
        double cx = chip.width() / 2.0 + chip.width() * 0.06 * (2 * rng.nextDouble() - 1);
        double cy = chip.height() / 2.0 + chip.height() * 0.06 * (2 * rng.nextDouble() - 1);
        boolean flip = rng.nextBoolean();
        double angle = Math.toRadians(10 * (2 * rng.nextDouble() - 1));
        double brightness = 0.8 + 0.4 * rng.nextDouble();
        double contrast = 0.8 + 0.4 * rng.nextDouble();
        double saturation = 0.8 + 0.4 * rng.nextDouble();
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        double scale = side / size;
        byte[] out = new byte[size * size * 3];
        double[] rgb = new double[3];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                // output pixel -> chip coordinates: centre, flip, rotate, scale to the crop, move to its centre
                double u = (x + 0.5 - size / 2.0) * (flip ? -1 : 1);
                double v = y + 0.5 - size / 2.0;
                double sx = cx + scale * (cos * u - sin * v) - 0.5;
                double sy = cy + scale * (sin * u + cos * v) - 0.5;
                sample(chip, sx, sy, rgb);
                double grey = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
                for (int c = 0; c < 3; c++) {
                    double value = grey + saturation * (rgb[c] - grey);
                    value = 128 + contrast * (value - 128);
                    out[(y * size + x) * 3 + c] = (byte) Math.max(0, Math.min(255, Math.round(value * brightness)));
                }
            }
        }
        return new RgbImage(size, size, out);
    }

    /** Bilinear sample at (x, y), edges clamped. */
    private static void sample(RgbImage image, double x, double y, double[] rgb) {
        int x0 = (int) Math.floor(x);
        int y0 = (int) Math.floor(y);
        double fx = x - x0;
        double fy = y - y0;
        for (int c = 0; c < 3; c++) {
            rgb[c] = (1 - fy) * ((1 - fx) * at(image, x0, y0, c) + fx * at(image, x0 + 1, y0, c))
                    + fy * ((1 - fx) * at(image, x0, y0 + 1, c) + fx * at(image, x0 + 1, y0 + 1, c));
        }
    }

    private static int at(RgbImage image, int x, int y, int c) {
        int cx = Math.max(0, Math.min(image.width() - 1, x));
        int cy = Math.max(0, Math.min(image.height() - 1, y));
        return image.rgb()[(cy * image.width() + cx) * 3 + c] & 0xFF;
    }
}
