package io.dreamid.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import io.dreamid.common.tensors.FloatTensor;
import io.dreamid.common.tensors.Safetensors;
import io.dreamid.common.tensors.SafetensorsFile;
import io.dreamid.encoder.bundle.EncoderConfig;
import io.dreamid.encoder.model.Projector;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The M² projector being trained: the serving {@link Projector}'s structure and tensor names
 * ({@code norms.i.*}, {@code mlp.0.*}, {@code mlp.2.*}, {@code out_norm.*}), its weights held as Java float arrays
 * between steps and uploaded as differentiable tensors for each step's forward pass.
 *
 * <pre>
 * g_i = LayerNorm_i(f_i)  ->  x = concat(g_0..g_{L-1})  ->  h = GELU(W1 x + b1)  ->  y = W2 h + b2
 * S* = reshape(y, K, width), each word LayerNorm_out'd when outputNorm
 * </pre>
 */
public final class TrainableProjector {
    private final EncoderConfig config;
    private final int featureWidth;
    private final int hidden;
    /** Parameter name -> tensor, in a fixed order (the order of gradients, optimiser state and checkpoints). */
    private final LinkedHashMap<String, FloatTensor> params;

    private TrainableProjector(EncoderConfig config, int featureWidth, int hidden,
            LinkedHashMap<String, FloatTensor> params) {
        this.config = config;
        this.featureWidth = featureWidth;
        this.hidden = hidden;
        this.params = params;
    }

    /**
     * The projector of a bundle's {@code projection.safetensors} (checked by the serving {@link Projector}'s loader
     * first, so training starts only from weights serving accepts).
     */
    public static TrainableProjector from(SafetensorsFile file, EncoderConfig config) {
        Projector checked = Projector.load(file, config);
        LinkedHashMap<String, FloatTensor> params = new LinkedHashMap<>();
        for (String name : names(config.tappedLayers().length, config.outputNorm())) {
            FloatTensor t = file.tensor(name);
            params.put(name, new FloatTensor(t.shape().clone(), t.data().clone()));
        }
        return new TrainableProjector(config, checked.featureWidth(), checked.hidden(), params);
    }

    static List<String> names(int layers, boolean outputNorm) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            names.add("norms." + i + ".weight");
            names.add("norms." + i + ".bias");
        }
        names.addAll(List.of("mlp.0.weight", "mlp.0.bias", "mlp.2.weight", "mlp.2.bias"));
        if (outputNorm) {
            names.addAll(List.of("out_norm.weight", "out_norm.bias"));
        }
        return names;
    }

    public EncoderConfig config() {
        return config;
    }

    public int featureWidth() {
        return featureWidth;
    }

    public int hidden() {
        return hidden;
    }

    public int layers() {
        return config.tappedLayers().length;
    }

    /** The live parameter tensors by name (the optimiser updates their data in place). */
    public LinkedHashMap<String, FloatTensor> parameters() {
        return params;
    }

    /** The parameters as tensors of {@code manager} that collect gradients, in {@link #parameters()} order. */
    public NDList upload(NDManager manager) {
        NDList list = new NDList();
        for (FloatTensor t : params.values()) {
            NDArray a = manager.create(t.data(), new Shape(t.shape()));
            a.setRequiresGradient(true);
            list.add(a);
        }
        return list;
    }

    /**
     * Words [B, K, width] of pooled backbone features [B, L, D] (tap order), with the parameters {@link #upload}ed.
     */
    public NDArray forward(NDList p, NDArray features) {
        Map<String, NDArray> w = byName(p);
        int layers = layers();
        NDList normed = new NDList();
        for (int i = 0; i < layers; i++) {
            NDArray f = features.get(new NDIndex(":, {}, :", i));
            normed.add(layerNorm(f, w.get("norms." + i + ".weight"), w.get("norms." + i + ".bias")));
        }
        NDArray x = NDArrays.concat(normed, 1);
        // exact (erf) GELU, as torch's nn.GELU() and the serving projector compute it
        NDArray h = Activation.gelu(x.matMul(w.get("mlp.0.weight").transpose()).add(w.get("mlp.0.bias")));
        NDArray y = h.matMul(w.get("mlp.2.weight").transpose()).add(w.get("mlp.2.bias"));
        NDArray words = y.reshape(features.getShape().get(0), config.words(), config.width());
        if (config.outputNorm()) {
            words = layerNorm(words, w.get("out_norm.weight"), w.get("out_norm.bias"));
        }
        return words;
    }

    /** torch's LayerNorm over the last axis: biased variance, eps inside the square root. */
    private NDArray layerNorm(NDArray v, NDArray weight, NDArray bias) {
        NDArray centred = v.sub(v.mean(new int[] {-1}, true));
        NDArray variance = centred.square().mean(new int[] {-1}, true);
        return centred.div(variance.add(config.layerNormEps()).sqrt()).mul(weight).add(bias);
    }

    private Map<String, NDArray> byName(NDList p) {
        Map<String, NDArray> w = new LinkedHashMap<>();
        int i = 0;
        for (String name : params.keySet()) {
            w.put(name, p.get(i++));
        }
        return w;
    }

    /** {@code projection.safetensors} bytes: the serving layout, F32, with the given metadata. */
    public byte[] toSafetensors(Map<String, String> metadata) {
        return Safetensors.write(params, metadata);
    }
}
