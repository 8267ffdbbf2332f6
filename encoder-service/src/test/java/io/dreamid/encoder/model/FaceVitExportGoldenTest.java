package io.dreamid.encoder.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.dreamid.encoder.bundle.EncoderBundle;
import io.dreamid.encoder.bundle.TokenPooling;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A bundle exported by tools/encoder/export_face_vit.py from a checkpoint in insightface arcface_torch's ViT layout
 * (112 x 112 input, 9 x 9 patches, 144 tokens and no class token, ReLU6 MLPs, qkv without bias; tiny random
 * weights) loads through the production loader and reproduces the exporter's torch model (float64) for every golden
 * crop within 1e-4: the pooled features of each tapped block and the projected words.
 */
class FaceVitExportGoldenTest extends GoldenBundleTest {
    FaceVitExportGoldenTest() {
        super(TestBundles.FACE_VIT, TestBundles.FACE_VIT_GOLDENS);
    }

    @Test
    void theExportedBundleDescribesAnArcfaceVit() {
        var config = encoder.config();
        assertThat(goldens.root().get("encoderVersion").asText()).isEqualTo(config.version());
        assertThat(goldens.root().get("computedBy").asText()).contains("export_face_vit.py");
        assertThat(config.inputSize()).isEqualTo(112);
        assertThat(config.mean()).containsExactly(0.5f, 0.5f, 0.5f);
        assertThat(config.std()).containsExactly(0.5f, 0.5f, 0.5f);
        assertThat(config.tokenPooling()).isEqualTo(TokenPooling.MEAN);
        assertThat(config.tappedLayers()).containsExactly(1, 2, 3, 4);
        assertThat(config.words()).isEqualTo(goldens.root().get("words").asInt()).isEqualTo(2);
        assertThat(config.width()).isEqualTo(goldens.root().get("width").asInt()).isEqualTo(32);
        assertThat(encoder.projector().featureWidth()).isEqualTo(24);
        assertThat(goldens.cases()).hasSize(3);
    }

    @Test
    void everyGoldenCropEncodesToTheTorchEmbedding() throws IOException {
        double worst = 0;
        for (JsonNode c : goldens.cases()) {
            float[] embedding = encoder.encode(goldens.crop(c)).embedding();
            worst = Math.max(worst, Goldens.assertEmbedding(embedding, c.get("embedding"), encoder.config().words(),
                    encoder.config().width(), c.get("crop").asText()));
        }
        System.out.printf("face ViT export: largest embedding difference from torch %.2e%n", worst);
    }

    @Test
    void tappedBlockFeaturesMatchTorchBeforeTheProjector() throws IOException {
        Preprocessor preprocessor = new Preprocessor(encoder.config());
        double worst = 0;
        for (JsonNode c : goldens.cases()) {
            float[][] pooled = encoder.backbone().run(preprocessor.apply(goldens.crop(c)));
            worst = Math.max(worst, Goldens.assertPooled(pooled, c.get("pooled"), c.get("crop").asText()));
        }
        System.out.printf("face ViT export: largest pooled-feature difference from torch %.2e%n", worst);
    }
}
