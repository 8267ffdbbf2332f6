package io.dreamid.face.recognize;

import io.dreamid.facerec.TfjsWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The weights are checked before they are read: a missing or changed file stops the load with the fix. */
class FaceRecognizerFilesTest {
    @Test
    void missingOrChangedWeightsAreRefused(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> FaceRecognizer.convert(dir))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("missing").hasMessageContaining("generate-resources");

        Path models = Path.of("target/models");
        Files.copy(models.resolve(FaceRecognizer.MANIFEST_FILE), dir.resolve(FaceRecognizer.MANIFEST_FILE));
        byte[] weights = Files.readAllBytes(models.resolve(FaceRecognizer.WEIGHTS_FILE));
        weights[1000] ^= 1;
        Files.write(dir.resolve(FaceRecognizer.WEIGHTS_FILE), weights);
        assertThatThrownBy(() -> FaceRecognizer.convert(dir))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not the published file");
    }

    @Test
    void theWeightsHold117TensorsOfTheDocumentedLayers() {
        TfjsWeights w = TfjsWeights.read(Path.of("target/models").resolve(FaceRecognizer.MANIFEST_FILE));
        assertThat(w.tensors()).hasSize(117);
        assertThat(w.get("conv32_down/conv/filters").shape()).containsExactly(7, 7, 3, 32);
        assertThat(w.get("fc").shape()).containsExactly(256, 128);
        int parameters = w.tensors().values().stream().mapToInt(t -> t.values().length).sum();
        assertThat(parameters).as("about 5.6 M parameters").isBetween(5_500_000, 5_700_000);
    }
}
