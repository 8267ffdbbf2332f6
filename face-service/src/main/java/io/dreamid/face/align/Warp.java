package io.dreamid.face.align;

import io.dreamid.common.image.RgbImage;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Samples an image through an affine map with bilinear interpolation. Points outside the image read as black:
 * the same constant border ArcFace-style aligned crops are trained with, and it never smears edge pixels into a
 * face. When the map shrinks the image, it reads from a pyramid of 2x2 box-filtered halvings (level k is the image
 * reduced 2^k times), choosing the level that leaves a shrink below 2, so that the bilinear taps do not alias (a
 * 2000 px photo read into a 128 px detector input would otherwise sample one pixel in sixteen). Levels are built
 * once per image, on first use, and shared by every later read (detection passes, refinement, the crop).
 * Thread-safe.
 */
public final class Warp {
    private final List<RgbImage> levels = new ArrayList<>();

    public Warp(RgbImage image) {
        levels.add(image);
    }

    public RgbImage image() {
        return levels.get(0);
    }

    /**
     * Fills {@code out} (NHWC, {@code size x size x 3}) with the image read through {@code outputToImage}, each
     * channel mapped from 0..255 to -1..1 as BlazeFace expects.
     */
    public void toTensor(Affine outputToImage, int size, float[] out) {
        Sampler s = sampler(outputToImage);
        if (s.map.b() == 0 && s.map.c() == 0) {
            s.axisAlignedTensor(size, out);
            return;
        }
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
        double shrink = outputToImage.scale();
        int level = shrink < 2 ? 0 : (int) Math.floor(Math.log(shrink) / Math.log(2));
        RgbImage source = level(level);
        if (level == 0) {
            return new Sampler(source, outputToImage);
        }
        // Continuous coordinates of level k are the original ones divided by 2^k.
        double f = 1.0 / (1 << level);
        return new Sampler(source, new Affine(f, 0, 0, 0, f, 0).after(outputToImage));
    }

    private synchronized RgbImage level(int k) {
        while (levels.size() <= k) {
            levels.add(halve(levels.get(levels.size() - 1)));
        }
        return levels.get(k);
    }

    /**
     * Averages each 2x2 block, rounding half up. An odd last row or column is averaged with itself, which shifts that
     * one edge line by half a pixel of the finer level at most.
     *
     * <p>This is most of the cost of an image's first detector pass (the 512 px photo's two levels for the 128
     * model), so the body of each row is done eight source pixels at a time in 64-bit words (SWAR): three words of
     * each source row, their bytes split into even and odd 16-bit lanes and summed down the two rows in two
     * additions, then each output channel is two lanes added. About 3x faster than a byte-by-byte loop on the JDK 17
     * JIT, which does not vectorise byte-to-int sums; the result is the same to the bit ({@code WarpTest}).
     */
    static RgbImage halve(RgbImage src) {
        int sw = src.width();
        int sh = src.height();
        int w = (sw + 1) / 2;
        int h = (sh + 1) / 2;
        byte[] in = src.rgb();
        byte[] out = new byte[w * h * 3];
        int rowLength = sw * 3;
        int chunks = sw / 8;
        int o = 0;
        for (int y = 0; y < h; y++) {
            int r0 = 2 * y * rowLength;
            int r1 = Math.min(2 * y + 1, sh - 1) * rowLength;
            for (int k = 0, i = 0; k < chunks; k++, i += 24) {
                o = halveChunk(in, r0 + i, r1 + i, out, o);
            }
            for (int x = 4 * chunks; x < sw / 2; x++) {
                int p = 6 * x;
                for (int c = 0; c < 3; c++) {
                    out[o++] = (byte) ((u(in, r0 + p + c) + u(in, r0 + p + 3 + c) + u(in, r1 + p + c)
                            + u(in, r1 + p + 3 + c) + 2) >> 2);
                }
            }
            if (sw % 2 == 1) {
                int p = rowLength - 3;
                for (int c = 0; c < 3; c++) {
                    out[o++] = (byte) ((2 * (u(in, r0 + p + c) + u(in, r1 + p + c)) + 2) >> 2);
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);
    private static final long EVEN_BYTES = 0x00FF00FF00FF00FFL;
    private static final long LANE = 0xFFFF;

    /**
     * Eight source pixels (24 bytes) of rows {@code a} and {@code b} into four output pixels at {@code o}. Source byte
     * n of the chunk is lane (n % 8) / 2 of word n / 8 of the even sums {@code e} when n is even, of the odd sums
     * {@code d} when odd; output byte j (pixel j / 3, channel j % 3) adds source bytes 6 (j / 3) + j % 3 and 3 more.
     */
    private static int halveChunk(byte[] in, int a, int b, byte[] out, int o) {
        long a0 = (long) LONGS.get(in, a);
        long a1 = (long) LONGS.get(in, a + 8);
        long a2 = (long) LONGS.get(in, a + 16);
        long b0 = (long) LONGS.get(in, b);
        long b1 = (long) LONGS.get(in, b + 8);
        long b2 = (long) LONGS.get(in, b + 16);
        long e0 = (a0 & EVEN_BYTES) + (b0 & EVEN_BYTES);
        long e1 = (a1 & EVEN_BYTES) + (b1 & EVEN_BYTES);
        long e2 = (a2 & EVEN_BYTES) + (b2 & EVEN_BYTES);
        long d0 = ((a0 >>> 8) & EVEN_BYTES) + ((b0 >>> 8) & EVEN_BYTES);
        long d1 = ((a1 >>> 8) & EVEN_BYTES) + ((b1 >>> 8) & EVEN_BYTES);
        long d2 = ((a2 >>> 8) & EVEN_BYTES) + ((b2 >>> 8) & EVEN_BYTES);
        out[o] = mean4((e0 & LANE) + ((d0 >>> 16) & LANE));              // bytes 0 + 3
        out[o + 1] = mean4((d0 & LANE) + ((e0 >>> 32) & LANE));          // 1 + 4
        out[o + 2] = mean4(((e0 >>> 16) & LANE) + ((d0 >>> 32) & LANE)); // 2 + 5
        out[o + 3] = mean4((e0 >>> 48) + (d1 & LANE));                   // 6 + 9
        out[o + 4] = mean4((d0 >>> 48) + ((e1 >>> 16) & LANE));          // 7 + 10
        out[o + 5] = mean4((e1 & LANE) + ((d1 >>> 16) & LANE));          // 8 + 11
        out[o + 6] = mean4(((e1 >>> 32) & LANE) + (d1 >>> 48));          // 12 + 15
        out[o + 7] = mean4(((d1 >>> 32) & LANE) + (e2 & LANE));          // 13 + 16
        out[o + 8] = mean4((e1 >>> 48) + (d2 & LANE));                   // 14 + 17
        out[o + 9] = mean4(((e2 >>> 16) & LANE) + ((d2 >>> 32) & LANE)); // 18 + 21
        out[o + 10] = mean4(((d2 >>> 16) & LANE) + (e2 >>> 48));         // 19 + 22
        out[o + 11] = mean4(((e2 >>> 32) & LANE) + (d2 >>> 48));         // 20 + 23
        return o + 12;
    }

    private static byte mean4(long sum) {
        return (byte) ((sum + 2) >> 2);
    }

    private static int u(byte[] a, int i) {
        return a[i] & 0xFF;
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

        /**
         * The same reads as {@link #sample} for a map without rotation (the whole-photo letterbox), with the taps
         * and weights of each column and row computed once instead of per pixel.
         */
        void axisAlignedTensor(int size, float[] out) {
            int[] x0 = new int[size];
            float[] wx = new float[size];
            int[] y0 = new int[size];
            float[] wy = new float[size];
            for (int i = 0; i < size; i++) {
                double fx = map.a() * (i + 0.5) + map.tx() - 0.5;
                double fy = map.d() * (i + 0.5) + map.ty() - 0.5;
                x0[i] = (int) Math.floor(fx);
                wx[i] = (float) (fx - x0[i]);
                y0[i] = (int) Math.floor(fy);
                wy[i] = (float) (fy - y0[i]);
            }
            float[] rgb = new float[3];
            int o = 0;
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    rgb[0] = 0;
                    rgb[1] = 0;
                    rgb[2] = 0;
                    float ax = wx[x];
                    float ay = wy[y];
                    add(x0[x], y0[y], (1 - ax) * (1 - ay), rgb);
                    add(x0[x] + 1, y0[y], ax * (1 - ay), rgb);
                    add(x0[x], y0[y] + 1, (1 - ax) * ay, rgb);
                    add(x0[x] + 1, y0[y] + 1, ax * ay, rgb);
                    out[o++] = rgb[0] / 127.5f - 1f;
                    out[o++] = rgb[1] / 127.5f - 1f;
                    out[o++] = rgb[2] / 127.5f - 1f;
                }
            }
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
