package io.dreamid.encoder.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.image.RgbImage;
import io.dreamid.common.image.SafeImageDecoder;
import io.dreamid.encoder.bundle.EncoderBundle;
import io.dreamid.encoder.bundle.TokenPooling;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The Java encoder (PNG decode, resize, normalisation, ONNX Runtime backbone, Java projector) reproduces the torch
 * model's outputs for every golden crop within 1e-4.
 */
class M2EncoderGoldenTest {
    private static final double TOLERANCE = 1e-4;
    private static M2Encoder encoder;
    private static JsonNode goldens;

    @BeforeAll
    static void load() throws IOException {
        encoder = EncoderBundle.load(TestBundles.TINY, 1);
        goldens = new ObjectMapper().readTree(TestBundles.TINY_GOLDENS.resolve("goldens.json").toFile());
    }

    @AfterAll
    static void close() {
        encoder.close();
    }

    @Test
    void goldensAreForThisBundle() {
        assertThat(goldens.get("encoderVersion").asText()).isEqualTo(encoder.config().version());
        assertThat(goldens.get("cases")).hasSize(3);
        assertThat(encoder.config().words()).isEqualTo(goldens.get("words").asInt()).isEqualTo(2);
        assertThat(encoder.config().width()).isEqualTo(goldens.get("width").asInt()).isEqualTo(32);
    }

    @Test
    void everyGoldenCropEncodesToTheTorchEmbedding() throws IOException {
        int words = encoder.config().words();
        int width = encoder.config().width();
        for (JsonNode c : goldens.get("cases")) {
            RgbImage crop = SafeImageDecoder.decode(
                    Files.readAllBytes(TestBundles.TINY_GOLDENS.resolve(c.get("crop").asText())), ImageLimits.DEFAULT);
            assertThat(crop.width()).isEqualTo(c.get("width").asInt());

            float[] embedding = encoder.encode(crop).embedding();

            assertThat(embedding).hasSize(words * width);
            JsonNode expected = c.get("embedding");
            assertThat(expected).hasSize(words);
            for (int k = 0; k < words; k++) {
                for (int d = 0; d < width; d++) {
                    assertThat((double) embedding[k * width + d])
                            .as("%s word %d dim %d", c.get("crop").asText(), k, d)
                            .isCloseTo(expected.get(k).get(d).asDouble(), within(TOLERANCE));
                }
            }
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
            int width = meanEncoder.config().width();
            for (JsonNode c : goldens.get("cases")) {
                JsonNode other = c.get("otherPooling");
                assertThat(other.get("tokenPooling").asText()).isEqualTo("mean");
                RgbImage crop = SafeImageDecoder.decode(Files.readAllBytes(
                        TestBundles.TINY_GOLDENS.resolve(c.get("crop").asText())), ImageLimits.DEFAULT);
                float[] embedding = meanEncoder.encode(crop).embedding();
                for (int k = 0; k < meanEncoder.config().words(); k++) {
                    for (int d = 0; d < width; d++) {
                        assertThat((double) embedding[k * width + d]).as("%s word %d dim %d", c.get("crop").asText(), k, d)
                                .isCloseTo(other.get("embedding").get(k).get(d).asDouble(), within(TOLERANCE));
                    }
                }
            }
        }
    }

    @Test
    void backboneFeaturesMatchTorchBeforeTheProjector() throws IOException {
        Preprocessor preprocessor = new Preprocessor(encoder.config());
        for (JsonNode c : goldens.get("cases")) {
            RgbImage crop = SafeImageDecoder.decode(
                    Files.readAllBytes(TestBundles.TINY_GOLDENS.resolve(c.get("crop").asText())), ImageLimits.DEFAULT);
            float[][] pooled = encoder.backbone().run(preprocessor.apply(crop));
            JsonNode expected = c.get("pooled");
            assertThat(pooled.length).isEqualTo(expected.size());
            for (int l = 0; l < pooled.length; l++) {
                for (int d = 0; d < pooled[l].length; d++) {
                    assertThat((double) pooled[l][d]).as("%s tap %d dim %d", c.get("crop").asText(), l, d)
                            .isCloseTo(expected.get(l).get(d).asDouble(), within(TOLERANCE));
                }
            }
        }
    }
}
