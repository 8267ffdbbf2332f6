package io.dreamid.encoder.bundle;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dreamid.common.tensors.FloatTensor;
import io.dreamid.common.tensors.Safetensors;
import io.dreamid.encoder.model.Backbone;
import io.dreamid.encoder.model.Projector;
import io.dreamid.facerec.DlibWeights;
import io.dreamid.facerec.FaceRecognitionGraph;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The encoder bundle the service uses when none is configured: dlib's face recognition ResNet (pretrained, weights
 * public domain, carried by the face-recognition module's jar) as the M² backbone, its five stages' pooled features
 * as the tapped layers 1-5 (each widened to 256 with zero channels), and an untrained projector: torch's default
 * initialisation of its layers from a fixed seed, so every instance writes the same bundle and the same identities.
 * The version says so ({@code ...-untrained-...}), and the encoder's events carry a notice.
 *
 * <p>Written into a folder at start (the graph is converted from the weights in well under a second) and loaded
 * like any other bundle, so the built-in bundle goes through the same checks as an imported one. The ViT bundles of
 * {@code tools/encoder} remain the path for imported weights.
 */
public final class BuiltInBundle {
    /** Tapped layers 1-5: the backbone graph's {@code hidden_<s>} for its five stages, finest first. */
    static final int[] TAPS = {1, 2, 3, 4, 5};
    /** Hidden width of the projector's MLP. */
    static final int HIDDEN = 1024;
    /** Seed of the projector's initialisation; a change of it (or of anything here) needs a new {@link #VERSION_TAG}. */
    private static final long SEED = 20261203L;
    private static final String VERSION_TAG = "dlib-resnet-v1-untrained-1";

    private BuiltInBundle() {
    }

    /** The version of the built-in bundle for K words of the given width, e.g. {@code dlib-resnet-v1-untrained-1-k2-w768}. */
    public static String version(int words, int width) {
        return VERSION_TAG + "-k" + words + "-w" + width;
    }

    /**
     * Writes the bundle ({@code encoder.json}, {@code backbone.onnx}, {@code projection.safetensors}) into
     * {@code dir/<version>/} and returns that folder.
     *
     * @param words K, the number of pseudo-words
     * @param width the text encoder's token embedding width the words are made for
     */
    public static Path write(Path dir, int words, int width) {
        String version = version(words, width);
        Path out = dir.resolve(version);
        try {
            Files.createDirectories(out);
            Files.write(out.resolve(Backbone.FILE), FaceRecognitionGraph.buildBackbone(DlibWeights.fromClasspath()));
            Files.write(out.resolve(EncoderConfig.FILE), config(version, words, width));
            Files.write(out.resolve(Projector.FILE), projector(version, words, width));
        } catch (IOException e) {
            throw new BundleException("cannot write the built-in encoder bundle to " + out + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static byte[] config(String version, int words, int width) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode c = json.createObjectNode();
        c.put("format", EncoderConfig.FORMAT);
        c.put("version", version);
        c.put("inputSize", FaceRecognitionGraph.INPUT_SIZE);
        // x = (pixel / 255 - MEAN_RGB / 255) / 1: face-api.js's (pixel - MEAN_RGB) / 255.
        var mean = c.putArray("mean");
        for (float m : FaceRecognitionGraph.MEAN_RGB) {
            mean.add(m / FaceRecognitionGraph.DIVISOR);
        }
        c.putArray("std").add(1.0).add(1.0).add(1.0);
        var taps = c.putArray("tappedLayers");
        for (int t : TAPS) {
            taps.add(t);
        }
        c.put("tokenPooling", TokenPooling.CLS.jsonName());
        c.put("words", words);
        c.put("width", width);
        c.put("layerNormEps", 1e-5);
        c.put("outputNorm", true);
        c.put("crop", EncoderConfig.CROP_DLIB_CHIP);
        return json.writerWithDefaultPrettyPrinter().writeValueAsBytes(c);
    }

    /** torch's defaults: LayerNorm weight 1 and bias 0, Linear weight and bias uniform in +-1/sqrt(fan_in). */
    private static byte[] projector(String version, int words, int width) {
        SplittableRandom random = new SplittableRandom(SEED);
        int d = FaceRecognitionGraph.BACKBONE_WIDTH;
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        for (int i = 0; i < TAPS.length; i++) {
            tensors.put("norms." + i + ".weight", filled(d, 1f));
            tensors.put("norms." + i + ".bias", filled(d, 0f));
        }
        int in = TAPS.length * d;
        tensors.put("mlp.0.weight", uniform(random, in, HIDDEN, in));
        tensors.put("mlp.0.bias", uniform(random, in, HIDDEN));
        tensors.put("mlp.2.weight", uniform(random, HIDDEN, words * width, HIDDEN));
        tensors.put("mlp.2.bias", uniform(random, HIDDEN, words * width));
        tensors.put("out_norm.weight", filled(width, 1f));
        tensors.put("out_norm.bias", filled(width, 0f));
        return Safetensors.write(tensors, Map.of("encoderVersion", version, "format", "dreamid-projector/1",
                "untrained", "torch default initialisation, seed " + SEED));
    }

    private static FloatTensor filled(int n, float value) {
        float[] v = new float[n];
        Arrays.fill(v, value);
        return new FloatTensor(new long[] {n}, v);
    }

    private static FloatTensor uniform(SplittableRandom random, int fanIn, int... shape) {
        double bound = 1 / Math.sqrt(fanIn);
        int n = 1;
        long[] dims = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            n *= shape[i];
            dims[i] = shape[i];
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        return new FloatTensor(dims, v);
    }
}
