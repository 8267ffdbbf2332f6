package io.dreamid.encoder.model;

import io.dreamid.common.tensors.SafetensorsFile;
import io.dreamid.encoder.bundle.BundleException;
import io.dreamid.encoder.bundle.EncoderConfig;

import java.util.Arrays;

/**
 * The M² projector: multi-scale backbone features to K pseudo-word embeddings, in plain float arrays.
 *
 * <pre>
 * for each tapped layer i (in tap order):  g_i = LayerNorm_i(f_i)            f_i: pooled token, width D
 * x = concat(g_0 .. g_{L-1})                                                  L*D
 * h = GELU(W1 x + b1)             W1 = mlp.0.weight [H, L*D]                  H
 * y = W2 h + b2                   W2 = mlp.2.weight [K*width, H]              K*width
 * S = reshape(y, K, width); word k = y[k*width .. (k+1)*width)
 * if outputNorm: each word s_k = LayerNorm_out(s_k)                           K x width
 * </pre>
 *
 * LayerNorm(v) = (v - mean(v)) / sqrt(var(v) + eps) * weight + bias, with the biased variance (torch's). Weights
 * come from {@code projection.safetensors} under the names of the torch module ({@code norms.i.weight},
 * {@code norms.i.bias}, {@code mlp.0.*}, {@code mlp.2.*}, {@code out_norm.*}), so a trained torch state_dict saves
 * straight into the bundle. Thread-safe: a call allocates only its three working vectors.
 */
public final class Projector {
    public static final String FILE = "projection.safetensors";

    private final int layers;
    private final int featureWidth;
    private final int hidden;
    private final int words;
    private final int width;
    private final double eps;
    private final float[][] normWeight;
    private final float[][] normBias;
    /** mlp.0.weight transposed to [L*D][H], so that the product runs along contiguous rows (vectorised by the JIT). */
    private final float[] w1t;
    private final float[] b1;
    /** mlp.2.weight transposed to [H][K*width]. */
    private final float[] w2t;
    private final float[] b2;
    private final float[] outWeight;
    private final float[] outBias;

    private Projector(int layers, int featureWidth, int hidden, int words, int width, double eps, float[][] normWeight,
            float[][] normBias, float[] w1t, float[] b1, float[] w2t, float[] b2, float[] outWeight, float[] outBias) {
        this.layers = layers;
        this.featureWidth = featureWidth;
        this.hidden = hidden;
        this.words = words;
        this.width = width;
        this.eps = eps;
        this.normWeight = normWeight;
        this.normBias = normBias;
        this.w1t = w1t;
        this.b1 = b1;
        this.w2t = w2t;
        this.b2 = b2;
        this.outWeight = outWeight;
        this.outBias = outBias;
    }

    /**
     * Reads the projector's weights and checks every shape against {@code config}; a problem names the tensor,
     * its shape and what {@code encoder.json} asks for.
     */
    public static Projector load(SafetensorsFile file, EncoderConfig config) {
        int layers = config.tappedLayers().length;
        Weights w = new Weights(file);
        int d = (int) w.vectorLength("norms.0.weight");
        float[][] normWeight = new float[layers][];
        float[][] normBias = new float[layers][];
        for (int i = 0; i < layers; i++) {
            String layer = " (LayerNorm of tapped layer " + config.tappedLayers()[i] + ")";
            normWeight[i] = w.vector("norms." + i + ".weight", d, layer);
            normBias[i] = w.vector("norms." + i + ".bias", d, layer);
        }
        if (w.has("norms." + layers + ".weight")) {
            throw new BundleException(FILE + " has more per-layer norms than the " + layers + " tapped layers "
                    + Arrays.toString(config.tappedLayers()) + " of " + EncoderConfig.FILE + " (found norms."
                    + layers + ".weight)");
        }
        long[] s1 = w.shape("mlp.0.weight");
        if (s1.length != 2 || s1[1] != (long) layers * d) {
            throw new BundleException(FILE + ": mlp.0.weight has shape " + Arrays.toString(s1) + ", expected [H, "
                    + layers * d + "] (" + layers + " tapped layers x feature width " + d + ")");
        }
        int hidden = (int) s1[0];
        int out = config.words() * config.width();
        long[] s2 = w.shape("mlp.2.weight");
        if (s2.length != 2 || s2[0] != out || s2[1] != hidden) {
            throw new BundleException(FILE + ": mlp.2.weight has shape " + Arrays.toString(s2) + ", expected ["
                    + out + ", " + hidden + "] (words " + config.words() + " x width " + config.width()
                    + " from " + EncoderConfig.FILE + ", hidden " + hidden + " from mlp.0.weight)");
        }
        float[] b1 = w.vector("mlp.0.bias", hidden, "");
        float[] b2 = w.vector("mlp.2.bias", out, " (words x width)");
        float[] outWeight = null;
        float[] outBias = null;
        if (config.outputNorm()) {
            outWeight = w.vector("out_norm.weight", config.width(), " (" + EncoderConfig.FILE + " has outputNorm true)");
            outBias = w.vector("out_norm.bias", config.width(), " (" + EncoderConfig.FILE + " has outputNorm true)");
        } else if (w.has("out_norm.weight")) {
            throw new BundleException(FILE + " has out_norm.weight but " + EncoderConfig.FILE
                    + " has outputNorm false; set it to true or drop the tensor");
        }
        return new Projector(layers, d, hidden, config.words(), config.width(), config.layerNormEps(), normWeight,
                normBias, transpose(file.floats("mlp.0.weight"), hidden, layers * d), b1,
                transpose(file.floats("mlp.2.weight"), out, hidden), b2, outWeight, outBias);
    }

    /** D, the width of each tapped layer's features. */
    public int featureWidth() {
        return featureWidth;
    }

    public int hidden() {
        return hidden;
    }

    /**
     * K x width embedding, row-major, for one feature vector per tapped layer (in tap order).
     */
    public float[] apply(float[][] pooled) {
        if (pooled.length != layers) {
            throw new IllegalArgumentException("expected features of " + layers + " layers, got " + pooled.length);
        }
        float[] x = new float[layers * featureWidth];
        for (int i = 0; i < layers; i++) {
            layerNorm(pooled[i], 0, featureWidth, normWeight[i], normBias[i], x, i * featureWidth);
        }
        float[] h = affine(x, w1t, b1);
        Gelu.apply(h);
        float[] y = affine(h, w2t, b2);
        if (outWeight != null) {
            for (int k = 0; k < words; k++) {
                layerNorm(y, k * width, width, outWeight, outBias, y, k * width);
            }
        }
        return y;
    }

    /** bias + W x with W given transposed ([in][out]): an axpy per input keeps the inner loop contiguous. */
    private static float[] affine(float[] x, float[] wt, float[] bias) {
        int n = bias.length;
        float[] out = bias.clone();
        for (int j = 0; j < x.length; j++) {
            float xj = x[j];
            int base = j * n;
            for (int o = 0; o < n; o++) {
                out[o] += xj * wt[base + o];
            }
        }
        return out;
    }

    private void layerNorm(float[] in, int from, int n, float[] weight, float[] bias, float[] out, int to) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += in[from + i];
        }
        double mean = sum / n;
        double sq = 0;
        for (int i = 0; i < n; i++) {
            double d = in[from + i] - mean;
            sq += d * d;
        }
        double inv = 1.0 / Math.sqrt(sq / n + eps);
        for (int i = 0; i < n; i++) {
            out[to + i] = (float) ((in[from + i] - mean) * inv * weight[i] + bias[i]);
        }
    }

    private static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = m[r * cols + c];
            }
        }
        return t;
    }

    /** Named lookups with errors that say which tensor is missing or misshapen. */
    private record Weights(SafetensorsFile file) {
        boolean has(String name) {
            return file.contains(name);
        }

        long[] shape(String name) {
            if (!has(name)) {
                throw new BundleException(FILE + " has no tensor " + name + " (it has " + file.names() + ")");
            }
            return file.shape(name);
        }

        long vectorLength(String name) {
            long[] shape = shape(name);
            if (shape.length != 1 || shape[0] < 1) {
                throw new BundleException(FILE + ": " + name + " must be a vector, has shape " + Arrays.toString(shape));
            }
            return shape[0];
        }

        float[] vector(String name, int length, String why) {
            long[] shape = shape(name);
            if (shape.length != 1 || shape[0] != length) {
                throw new BundleException(FILE + ": " + name + " has shape " + Arrays.toString(shape) + ", expected ["
                        + length + "]" + why);
            }
            return file.floats(name);
        }
    }
}
