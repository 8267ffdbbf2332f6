package io.dreamid.face.detect;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A missing or damaged model stops the service with a message that says how to get the models. */
class ModelFilesTest {

    @Test
    void missingModelSaysHowToGetIt(@TempDir Path dir) {
        assertThatThrownBy(() -> new BlazeFaceModels(dir, 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("face_detection_front_128x128_barracuda.onnx")
                .hasMessageContaining("./mvnw -pl face-service generate-resources");
    }

    @Test
    void corruptModelIsRejectedBeforeLoading(@TempDir Path dir) throws Exception {
        Path real = Path.of("target/models", BlazeFaceVariant.FRONT.fileName());
        byte[] bytes = Files.readAllBytes(real);
        bytes[bytes.length / 2] ^= 0x5A;
        Files.write(dir.resolve(BlazeFaceVariant.FRONT.fileName()), bytes);
        assertThatThrownBy(() -> new BlazeFaceModels(dir, 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("corrupt")
                .hasMessageContaining(BlazeFaceVariant.FRONT.sha256())
                .hasMessageContaining("generate-resources");
    }
}
