package io.dreamid.encoder.model;

import io.dreamid.common.image.RgbImage;
import io.dreamid.encoder.bundle.EncoderConfig;

/**
 * Aligned crop (8-bit RGB) to the backbone's input: 1 x 3 x S x S float, channels R, G, B. Pixels are scaled to
 * 0..1, resized bilinearly to S x S if the crop has another size (half-pixel centres, no antialiasing: torch's
 * {@code F.interpolate(mode="bilinear", align_corners=False)}), then normalised per channel with the bundle's mean and
 * std. Thread-safe.
 */
public final class Preprocessor {
    private final int size;
    private final float[] scale = new float[3];
    private final float[] offset = new float[3];

    public Preprocessor(EncoderConfig config) {
        this.size = config.inputSize();
        for (int c = 0; c < 3; c++) {
            // (v / 255 - mean) / std folded into one multiply-add per value
            scale[c] = (float) (1.0 / (255.0 * config.std()[c]));
            offset[c] = (float) (-config.mean()[c] / (double) config.std()[c]);
        }
    }

    public int size() {
        return size;
    }

    /** The backbone input for {@code image}, planar (all R, then all G, then all B). */
    public float[] apply(RgbImage image) {
        int plane = size * size;
        float[] out = new float[3 * plane];
        byte[] rgb = image.rgb();
        if (image.width() == size && image.height() == size) {
            for (int p = 0; p < plane; p++) {
                int i = 3 * p;
                out[p] = (rgb[i] & 0xff) * scale[0] + offset[0];
                out[plane + p] = (rgb[i + 1] & 0xff) * scale[1] + offset[1];
                out[2 * plane + p] = (rgb[i + 2] & 0xff) * scale[2] + offset[2];
            }
            return out;
        }
        Axis xs = Axis.of(image.width(), size);
        Axis ys = Axis.of(image.height(), size);
        int stride = 3 * image.width();
        for (int y = 0; y < size; y++) {
            int row0 = ys.lo[y] * stride;
            int row1 = ys.hi[y] * stride;
            float wy1 = ys.weight[y];
            float wy0 = 1f - wy1;
            for (int x = 0; x < size; x++) {
                int c0 = 3 * xs.lo[x];
                int c1 = 3 * xs.hi[x];
                float wx1 = xs.weight[x];
                float wx0 = 1f - wx1;
                int p = y * size + x;
                for (int c = 0; c < 3; c++) {
                    float top = wx0 * (rgb[row0 + c0 + c] & 0xff) + wx1 * (rgb[row0 + c1 + c] & 0xff);
                    float bottom = wx0 * (rgb[row1 + c0 + c] & 0xff) + wx1 * (rgb[row1 + c1 + c] & 0xff);
                    out[c * plane + p] = (wy0 * top + wy1 * bottom) * scale[c] + offset[c];
                }
            }
        }
        return out;
    }

    /** Source indices and the weight of the upper one, per output index along one axis. */
    private record Axis(int[] lo, int[] hi, float[] weight) {
        static Axis of(int in, int out) {
            int[] lo = new int[out];
            int[] hi = new int[out];
            float[] weight = new float[out];
            double ratio = (double) in / out;
            for (int i = 0; i < out; i++) {
                // half-pixel centres, clamped at the first pixel as torch does
                double src = Math.max(0.0, (i + 0.5) * ratio - 0.5);
                int i0 = Math.min((int) src, in - 1);
                lo[i] = i0;
                hi[i] = Math.min(i0 + 1, in - 1);
                weight[i] = (float) (src - i0);
            }
            return new Axis(lo, hi, weight);
        }
    }
}
