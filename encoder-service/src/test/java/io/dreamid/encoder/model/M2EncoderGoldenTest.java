package io.dreamid.encoder.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.dreamid.common.image.RgbImage;
import io.dreamid.encoder.bundle.EncoderBundle;
import io.dreamid.encoder.bundle.TokenPooling;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Java encoder (PNG decode, resize, normalisation, ONNX Runtime backbone, Java projector) reproduces the torch
 * model's outputs for every golden crop within 1e-4.
 */
class M2EncoderGoldenTest extends GoldenBundleTest {
    M2EncoderGoldenTest() {
        super(TestBundles.TINY, TestBundles.TINY_GOLDENS);
    }

    @Test
    void goldensAreForThisBundle() {
        assertThat(goldens.root().get("encoderVersion").asText()).isEqualTo(encoder.config().version());
        assertThat(goldens.cases()).hasSize(3);
        assertThat(encoder.config().words()).isEqualTo(goldens.root().get("words").asInt()).isEqualTo(2);
        assertThat(encoder.config().width()).isEqualTo(goldens.root().get("width").asInt()).isEqualTo(32);
    }

    @Test
    void everyGoldenCropEncodesToTheTorchEmbedding() throws IOException {
        for (JsonNode c : goldens.cases()) {
            float[] embedding = encoder.encode(goldens.crop(c)).embedding();
            Goldens.assertEmbedding(embedding, c.get("embedding"), encoder.config().words(), encoder.config().width(),
                    c.get("crop").asText());
        }
    }

    @Test
    void meanTokenPoolingMatchesTorchToo(@TempDir Path dir) throws IOException {
        for (String name : EncoderBundle.FILES) {
            Files.copy(TestBundles.TINY.resolve(name), dir.resolve(name));
        }
        Path json = dir.resolve("encoder.json");
        Files.writeString(json, Files.readString(json).replace("\"tokenPooling\": \"cls\"", "\"tokenPooling\": \"mean\""));
        try (M2Encoder meanEncoder = EncoderBundle.load(dir, 1)) {
            assertThat(meanEncoder.config().tokenPooling()).isEqualTo(TokenPooling.MEAN);
            for (JsonNode c : goldens.cases()) {
                JsonNode other = c.get("otherPooling");
                assertThat(other.get("tokenPooling").asText()).isEqualTo("mean");
                float[] embedding = meanEncoder.encode(goldens.crop(c)).embedding();
                Goldens.assertEmbedding(embedding, other.get("embedding"), meanEncoder.config().words(),
                        meanEncoder.config().width(), c.get("crop").asText());
            }
        }
    }

    @Test
    void backboneFeaturesMatchTorchBeforeTheProjector() throws IOException {
        Preprocessor preprocessor = new Preprocessor(encoder.config());
        for (JsonNode c : goldens.cases()) {
            RgbImage crop = goldens.crop(c);
            Goldens.assertPooled(encoder.backbone().run(preprocessor.apply(crop)), c.get("pooled"),
                    c.get("crop").asText());
        }
    }
}
