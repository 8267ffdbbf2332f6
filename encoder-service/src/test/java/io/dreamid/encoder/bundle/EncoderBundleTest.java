package io.dreamid.encoder.bundle;

import io.dreamid.common.tensors.FloatTensor;
import io.dreamid.common.tensors.Safetensors;
import io.dreamid.common.tensors.SafetensorsFile;
import io.dreamid.encoder.model.M2Encoder;
import io.dreamid.encoder.model.TestBundles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A broken bundle is refused at load with a message that names the file and the problem. */
class EncoderBundleTest {
    @TempDir
    Path dir;

    @Test
    void theCommittedTinyBundleLoads() {
        try (M2Encoder encoder = EncoderBundle.load(copyOfTiny(), 1)) {
            assertThat(encoder.config().version()).isEqualTo("tiny-random-1");
            assertThat(encoder.config().tappedLayers()).containsExactly(1, 2, 4);
            assertThat(encoder.projector().featureWidth()).isEqualTo(40);
            assertThat(encoder.backbone().tokens()).isEqualTo(1 + 4 * 4);
        }
    }

    @Test
    void missingFolder() {
        assertThatThrownBy(() -> EncoderBundle.load(dir.resolve("nowhere"), 1))
                .isInstanceOf(BundleException.class).hasMessageContaining("nowhere").hasMessageContaining("does not exist");
    }

    @Test
    void missingFile() throws IOException {
        Path bundle = copyOfTiny();
        Files.delete(bundle.resolve("backbone.onnx"));
        assertThatThrownBy(() -> EncoderBundle.load(bundle, 1))
                .isInstanceOf(BundleException.class).hasMessageContaining("has no backbone.onnx");
    }

    @Test
    void wrongWidth() throws IOException {
        Path bundle = copyOfTiny();
        editConfig(bundle, json -> json.replace("\"width\": 32", "\"width\": 48"));
        assertThatThrownBy(() -> EncoderBundle.load(bundle, 1))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("mlp.2.weight has shape [64, 64]")
                .hasMessageContaining("width 48");
    }

    @Test
    void wrongWordCount() throws IOException {
        Path bundle = copyOfTiny();
        editConfig(bundle, json -> json.replace("\"words\": 2", "\"words\": 3"));
        assertThatThrownBy(() -> EncoderBundle.load(bundle, 1))
                .isInstanceOf(BundleException.class).hasMessageContaining("words 3");
    }

    @Test
    void missingTensor() throws IOException {
        Path bundle = copyOfTiny();
        rewriteWeights(bundle, "norms.1.bias");
        assertThatThrownBy(() -> EncoderBundle.load(bundle, 1))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("projection.safetensors has no tensor norms.1.bias");
    }

    @Test
    void missingOutputNorm() throws IOException {
        Path bundle = copyOfTiny();
        rewriteWeights(bundle, "out_norm.weight");
        assertThatThrownBy(() -> EncoderBundle.load(bundle, 1))
                .isInstanceOf(BundleException.class).hasMessageContaining("no tensor out_norm.weight");
    }

    @Test
    void tapsThatTheBackboneDoesNotOutput() throws IOException {
        Path bundle = copyOfTiny();
        editConfig(bundle, json -> json.replaceAll("\"tappedLayers\": \\[[^]]*]", "\"tappedLayers\": [1, 2, 3]"));
        assertThatThrownBy(() -> EncoderBundle.load(bundle, 1))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("backbone.onnx has no output hidden_3");
    }

    @Test
    void fewerTapsThanProjectorNorms() throws IOException {
        Path bundle = copyOfTiny();
        editConfig(bundle, json -> json.replaceAll("\"tappedLayers\": \\[[^]]*]", "\"tappedLayers\": [1, 2]"));
        assertThatThrownBy(() -> EncoderBundle.load(bundle, 1))
                .isInstanceOf(BundleException.class).hasMessageContaining("more per-layer norms");
    }

    @Test
    void inputSizeTheBackboneDoesNotTake() throws IOException {
        Path bundle = copyOfTiny();
        editConfig(bundle, json -> json.replace("\"inputSize\": 32", "\"inputSize\": 64"));
        assertThatThrownBy(() -> EncoderBundle.load(bundle, 1))
                .isInstanceOf(BundleException.class).hasMessageContaining("backbone.onnx").hasMessageContaining("64");
    }

    @Test
    void corruptBackbone() throws IOException {
        Path bundle = copyOfTiny();
        Files.write(bundle.resolve("backbone.onnx"), "not a model".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> EncoderBundle.load(bundle, 1))
                .isInstanceOf(BundleException.class).hasMessageContaining("backbone.onnx cannot be loaded");
    }

    @Test
    void truncatedWeights() throws IOException {
        Path bundle = copyOfTiny();
        byte[] bytes = Files.readAllBytes(bundle.resolve("projection.safetensors"));
        Files.write(bundle.resolve("projection.safetensors"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> EncoderBundle.load(bundle, 1))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("projection.safetensors is not a readable safetensors file")
                .hasMessageContaining("truncated");
    }

    @Test
    void badConfig() throws IOException {
        Path bundle = copyOfTiny();
        editConfig(bundle, json -> json.replace("\"cls\"", "\"max\""));
        assertThatThrownBy(() -> EncoderBundle.load(bundle, 1))
                .isInstanceOf(BundleException.class).hasMessageContaining("tokenPooling must be \"cls\" or \"mean\"");
        editConfig(bundle, json -> json.substring(0, json.length() / 2));
        assertThatThrownBy(() -> EncoderBundle.load(bundle, 1))
                .isInstanceOf(BundleException.class).hasMessageContaining("encoder.json is not valid JSON");
    }

    private Path copyOfTiny() {
        Path bundle = dir.resolve("bundle");
        try {
            Files.createDirectories(bundle);
            for (String name : EncoderBundle.FILES) {
                Files.copy(TestBundles.TINY.resolve(name), bundle.resolve(name));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bundle;
    }

    private static void editConfig(Path bundle, UnaryOperator<String> edit) throws IOException {
        Path file = bundle.resolve("encoder.json");
        String before = Files.readString(file);
        String after = edit.apply(before);
        assertThat(after).as("the edit changed encoder.json").isNotEqualTo(before);
        Files.writeString(file, after);
    }

    private static void rewriteWeights(Path bundle, String without) throws IOException {
        Path file = bundle.resolve("projection.safetensors");
        SafetensorsFile weights = Safetensors.read(file);
        Map<String, FloatTensor> kept = new LinkedHashMap<>();
        for (String name : weights.names()) {
            if (!name.equals(without)) {
                kept.put(name, weights.tensor(name));
            }
        }
        assertThat(kept).hasSize(weights.names().size() - 1);
        Files.write(file, Safetensors.write(kept, weights.metadata()));
    }
}
