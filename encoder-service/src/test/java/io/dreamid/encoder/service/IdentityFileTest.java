package io.dreamid.encoder.service;

import io.dreamid.common.tensors.FloatTensor;
import io.dreamid.common.tensors.Safetensors;
import io.dreamid.common.tensors.SafetensorsFile;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The stored identity is a plain safetensors file any reader understands, and a damaged one is refused. */
class IdentityFileTest {

    @Test
    void writesAKByWidthTensorWithItsMetadata() {
        float[] embedding = {1, 2, 3, 4, 5, 6};
        byte[] bytes = new IdentityFile("abc", "v1", 2, 3, "faces/j/aligned.png", embedding).toBytes();

        SafetensorsFile file = Safetensors.read(bytes);
        assertThat(file.names()).containsExactly("embedding");
        assertThat(file.shape("embedding")).containsExactly(2, 3);
        assertThat(file.dtype("embedding")).isEqualTo("F32");
        assertThat(file.floats("embedding")).containsExactly(embedding);
        assertThat(file.metadata()).containsEntry("encoderVersion", "v1").containsEntry("words", "2")
                .containsEntry("width", "3").containsEntry("sourceCrop", "faces/j/aligned.png")
                .containsEntry("identityId", "abc").containsEntry("format", "dreamid-identity/1");

        IdentityFile back = IdentityFile.read(bytes);
        assertThat(back.embedding()).containsExactly(embedding);
        assertThat(back.words()).isEqualTo(2);
        assertThat(back.width()).isEqualTo(3);
    }

    @Test
    void refusesAShapeThatContradictsTheMetadata() {
        byte[] bytes = Safetensors.write(Map.of("embedding", new FloatTensor(new long[] {3, 2}, new float[6])),
                Map.of("format", "dreamid-identity/1", "encoderVersion", "v1", "words", "2", "width", "3"));
        assertThatThrownBy(() -> IdentityFile.read(bytes)).hasMessageContaining("has shape [3, 2]")
                .hasMessageContaining("2 x 3");
    }

    @Test
    void refusesBytesThatAreNotSafetensors() {
        assertThatThrownBy(() -> IdentityFile.read(new byte[] {1, 2, 3})).hasMessageContaining("not a safetensors file");
    }
}
