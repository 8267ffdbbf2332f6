package io.dreamid.face.align;

import io.dreamid.common.image.RgbImage;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Samples an image through an affine map with bilinear interpolation. Points outside the image read as black:
 * the same constant border ArcFace-style aligned crops are trained with, and it never smears edge pixels into a
 * face. When the map shrinks the image more than twice, the image is first box-filtered by an integer factor so
 * that the bilinear taps do not alias (a 2000 px photo read into a 128 px detector input would otherwise sample
 * one pixel in sixteen). Box-filtered copies are computed once per factor and kept.
 */
public final class Warp {
    private final RgbImage image;
    private final ConcurrentMap<Integer, RgbImage> reduced = new ConcurrentHashMap<>();

    public Warp(RgbImage image) {
        this.image = image;
    }

    public RgbImage image() {
        return image;
    }

    /**
     * Fills {@code out} (NHWC, {@code size x size x 3}) with the image read through {@code outputToImage}, each
     * channel mapped from 0..255 to -1..1 as BlazeFace expects.
     */
    public void toTensor(Affine outputToImage, int size, float[] out) {
        Sampler s = sampler(outputToImage);
        float[] rgb = new float[3];
        int o = 0;
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                s.sample(x + 0.5, y + 0.5, rgb);
                out[o++] = rgb[0] / 127.5f - 1f;
                out[o++] = rgb[1] / 127.5f - 1f;
                out[o++] = rgb[2] / 127.5f - 1f;
            }
        }
    }

    /** A {@code width x height} image whose pixel centres are read from the image through {@code outputToImage}. */
    public RgbImage toImage(Affine outputToImage, int width, int height) {
        Sampler s = sampler(outputToImage);
        byte[] out = new byte[width * height * 3];
        float[] rgb = new float[3];
        int o = 0;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                s.sample(x + 0.5, y + 0.5, rgb);
                out[o++] = (byte) Math.round(rgb[0]);
                out[o++] = (byte) Math.round(rgb[1]);
                out[o++] = (byte) Math.round(rgb[2]);
            }
        }
        return new RgbImage(width, height, out);
    }

    private Sampler sampler(Affine outputToImage) {
        int factor = (int) Math.floor(outputToImage.scale());
        if (factor < 2) {
            return new Sampler(image, outputToImage);
        }
        RgbImage small = reduced.computeIfAbsent(factor, f -> boxReduce(image, f));
        // Continuous coordinates of the reduced image are the original ones divided by the factor.
        Affine toSmall = new Affine(1.0 / factor, 0, 0, 0, 1.0 / factor, 0).after(outputToImage);
        return new Sampler(small, toSmall);
    }

    /** Averages each {@code f x f} block; a partial block at the right or bottom edge averages what it has. */
    static RgbImage boxReduce(RgbImage src, int f) {
        int w = (src.width() + f - 1) / f;
        int h = (src.height() + f - 1) / f;
        int[] sums = new int[w * 3];
        int[] counts = new int[w];
        byte[] out = new byte[w * h * 3];
        byte[] in = src.rgb();
        int sw = src.width();
        for (int by = 0; by < h; by++) {
            java.util.Arrays.fill(sums, 0);
            java.util.Arrays.fill(counts, 0);
            int yEnd = Math.min(src.height(), (by + 1) * f);
            for (int y = by * f; y < yEnd; y++) {
                int row = y * sw * 3;
                for (int x = 0; x < sw; x++) {
                    int bx = x / f;
                    int i = row + x * 3;
                    sums[bx * 3] += in[i] & 0xFF;
                    sums[bx * 3 + 1] += in[i + 1] & 0xFF;
                    sums[bx * 3 + 2] += in[i + 2] & 0xFF;
                    counts[bx]++;
                }
            }
            int o = by * w * 3;
            for (int bx = 0; bx < w; bx++) {
                int n = counts[bx];
                out[o++] = (byte) ((sums[bx * 3] + n / 2) / n);
                out[o++] = (byte) ((sums[bx * 3 + 1] + n / 2) / n);
                out[o++] = (byte) ((sums[bx * 3 + 2] + n / 2) / n);
            }
        }
        return new RgbImage(w, h, out);
    }

    /** Bilinear reads at continuous coordinates; taps outside the image count as black. */
    private static final class Sampler {
        private final byte[] rgb;
        private final int width;
        private final int height;
        private final Affine map;

        Sampler(RgbImage image, Affine map) {
            this.rgb = image.rgb();
            this.width = image.width();
            this.height = image.height();
            this.map = map;
        }

        void sample(double x, double y, float[] out) {
            // Pixel k has its centre at k + 0.5, so the tap grid is shifted by half a pixel.
            double fx = map.applyX(x, y) - 0.5;
            double fy = map.applyY(x, y) - 0.5;
            int x0 = (int) Math.floor(fx);
            int y0 = (int) Math.floor(fy);
            float wx = (float) (fx - x0);
            float wy = (float) (fy - y0);
            out[0] = 0;
            out[1] = 0;
            out[2] = 0;
            if (x0 < -1 || y0 < -1 || x0 >= width || y0 >= height) {
                return;
            }
            add(x0, y0, (1 - wx) * (1 - wy), out);
            add(x0 + 1, y0, wx * (1 - wy), out);
            add(x0, y0 + 1, (1 - wx) * wy, out);
            add(x0 + 1, y0 + 1, wx * wy, out);
        }

        private void add(int x, int y, float w, float[] out) {
            if (w == 0 || x < 0 || y < 0 || x >= width || y >= height) {
                return;
            }
            int i = (y * width + x) * 3;
            out[0] += w * (rgb[i] & 0xFF);
            out[1] += w * (rgb[i + 1] & 0xFF);
            out[2] += w * (rgb[i + 2] & 0xFF);
        }
    }
}
