package io.dreamid.diffusion.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import io.dreamid.common.json.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Stable Diffusion bundle in the standard ONNX layout (diffusers' ONNX conversion / optimum), checked for
 * completeness when opened:
 * <pre>
 * model_index.json
 * text_encoder/model.onnx
 * unet/model.onnx (+ its external data, e.g. model.onnx_data or weights.pb)
 * vae_decoder/model.onnx (+ optional config.json with scaling_factor)
 * tokenizer/vocab.json + merges.txt, or tokenizer/tokenizer.json
 * scheduler/scheduler_config.json
 * </pre>
 *
 * @param root       the bundle folder
 * @param modelIndex the parsed {@code model_index.json}
 */
public record SdBundle(Path root, JsonNode modelIndex) {
    /** SD 1.x/2.x VAE latent scaling when the bundle does not say (diffusers' AutoencoderKL default). */
    public static final float DEFAULT_SCALING_FACTOR = 0.18215f;
    /** Marks a bundle of random weights; its text is what users are told about its images. */
    public static final String RANDOM_WEIGHTS_FILE = "random_weights.txt";

    public static SdBundle open(Path root) {
        if (!Files.isDirectory(root)) {
            throw new BundleException("no model bundle folder at " + root.toAbsolutePath());
        }
        List<String> missing = new ArrayList<>();
        for (String required : List.of("model_index.json", "text_encoder/model.onnx", "unet/model.onnx",
                "vae_decoder/model.onnx", "scheduler/scheduler_config.json")) {
            if (!Files.isRegularFile(root.resolve(required))) {
                missing.add(required);
            }
        }
        Path tokenizer = root.resolve("tokenizer");
        boolean bpe = Files.isRegularFile(tokenizer.resolve("vocab.json"))
                && Files.isRegularFile(tokenizer.resolve("merges.txt"));
        if (!bpe && !Files.isRegularFile(tokenizer.resolve("tokenizer.json"))) {
            missing.add("tokenizer/vocab.json + tokenizer/merges.txt (or tokenizer/tokenizer.json)");
        }
        if (!missing.isEmpty()) {
            throw new BundleException("the model bundle at " + root.toAbsolutePath()
                    + " is not in the Stable Diffusion ONNX layout; missing: " + String.join(", ", missing));
        }
        return new SdBundle(root, readJson(root.resolve("model_index.json")));
    }

    public Path textEncoder() {
        return root.resolve("text_encoder/model.onnx");
    }

    public Path unet() {
        return root.resolve("unet/model.onnx");
    }

    public Path vaeDecoder() {
        return root.resolve("vae_decoder/model.onnx");
    }

    public Path tokenizer() {
        return root.resolve("tokenizer");
    }

    public Path schedulerConfig() {
        return root.resolve("scheduler/scheduler_config.json");
    }

    /**
     * The VAE latent scaling factor: {@code scaling_factor} of {@code vae_decoder/config.json} (optimum writes
     * it), else of {@code vae/config.json}, else the SD 1.x/2.x value 0.18215.
     */
    public float vaeScalingFactor() {
        for (String config : List.of("vae_decoder/config.json", "vae/config.json")) {
            Path file = root.resolve(config);
            if (Files.isRegularFile(file)) {
                JsonNode factor = readJson(file).get("scaling_factor");
                if (factor != null && factor.isNumber()) {
                    return factor.floatValue();
                }
            }
        }
        return DEFAULT_SCALING_FACTOR;
    }

    /**
     * True for the project's random-weight bundles, whose images are noise by design: the toy bundles made by
     * {@code tools/diffusion/make_tiny_sd.py} say so in {@code model_index.json} ({@code _dreamid_tiny}); the
     * built-in real-architecture bundle has a {@value #RANDOM_WEIGHTS_FILE} beside its exported files, which
     * stay as diffusers' converter wrote them.
     */
    public boolean tiny() {
        return modelIndex.path("_dreamid_tiny").asBoolean(false) || Files.isRegularFile(root.resolve(RANDOM_WEIGHTS_FILE));
    }

    /** What to tell users about the weights (set for random-weight bundles), or empty. */
    public String note() {
        Path file = root.resolve(RANDOM_WEIGHTS_FILE);
        if (Files.isRegularFile(file)) {
            try {
                return Files.readString(file).strip();
            } catch (IOException e) {
                throw new BundleException("cannot read " + file + ": " + e.getMessage(), e);
            }
        }
        return modelIndex.path("_dreamid_note").asText("");
    }

    private static JsonNode readJson(Path file) {
        try {
            JsonNode node = Json.mapper().readTree(file.toFile());
            if (node == null || !node.isObject()) {
                throw new BundleException(file + " is not a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw new BundleException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
