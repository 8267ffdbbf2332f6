package io.dreamid.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.image.SafeImageDecoder;
import io.dreamid.encoder.bundle.BuiltInBundle;
import io.dreamid.encoder.bundle.EncoderBundle;
import io.dreamid.encoder.bundle.EncoderConfig;
import io.dreamid.encoder.model.M2Encoder;
import io.dreamid.testsupport.EmbeddedS3;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Without {@code --encoder} the trainer starts from the built-in bundle the encoder-service serves (dlib's ResNet,
 * which reads the 150x150 dlib chip): on a dataset with chips it trains through the tiny SD models and writes a
 * bundle that loads like any other, names the built-in version as its base, still reads chips and passes
 * {@code ./dreamid models import --encoder} (real S3 server); a dataset without chips is refused naming the line and
 * the field.
 */
class BuiltInBaseIT {

    @Test
    void trainsFromTheBuiltInBundleOnChips(@TempDir Path work) throws IOException {
        Path dataset = TestDatasets.tinyWithChips(work.resolve("tiny-chips"));
        TrainingOptions options = new TrainingOptions(dataset, null, TestModels.sdBundle(), TestModels.torchscript(),
                work.resolve("bundle"), work.resolve("checkpoints"), 4, 2, 1e-2, 1, 0.01, 1.0, 7, 4, 0, null, 1);
        String builtIn = BuiltInBundle.version(Trainer.BUILT_IN_WORDS, 32);
        try (Trainer trainer = Trainer.prepare(options, System.out)) {
            assertThat(trainer.baseEncoder().getFileName().toString()).isEqualTo(builtIn);
            trainer.train();
            assertThat(trainer.finished()).isTrue();
            EncoderBundleWriter.write(trainer, options.out());
        }
        Path out = options.out();
        JsonNode card = new ObjectMapper().readTree(out.resolve(EncoderBundleWriter.CARD).toFile());
        assertThat(card.at("/baseEncoder/version").asText()).isEqualTo(builtIn);
        assertThat(card.at("/steps").asInt()).isEqualTo(4);
        Path chip = dataset.resolve("chips/astronaut.png");
        var image = SafeImageDecoder.decode(Files.readAllBytes(chip), ImageLimits.DEFAULT);
        try (M2Encoder trained = EncoderBundle.load(out, 1);
                M2Encoder base = EncoderBundle.load(options.checkpoints().resolve("built-in").resolve(builtIn), 1)) {
            assertThat(trained.config().version()).startsWith("trained-").doesNotContain("untrained");
            assertThat(trained.config().crop()).isEqualTo(EncoderConfig.CROP_DLIB_CHIP);
            float[] words = trained.encode(image).embedding();
            assertThat(words).hasSize(Trainer.BUILT_IN_WORDS * 32);
            assertThat(Arrays.equals(words, base.encode(image).embedding())).as("trained words differ").isFalse();
        }

        // what `./dreamid models import --encoder` runs accepts it and points the encoder-service at it
        Path servicesEnv = work.resolve("services.env");
        EncoderImport.Result imported = EncoderImport.run(out, "trained-built-in", servicesEnv);
        assertThat(imported.exit()).as(imported.output()).isZero();
        assertThat(imported.output()).contains("encoder-service loads it").doesNotContain("untrained");
        assertThat(EmbeddedS3.store().exists("models/trained-built-in/1/backbone.onnx")).isTrue();
        assertThat(servicesEnv).content().isEqualTo("DREAMID_ENCODER_BUNDLE_REF=models/trained-built-in/1/\n");
    }

    @Test
    void aDatasetWithoutChipsIsRefusedForAChipEncoder() {
        Path tiny = TestModels.resource("datasets/tiny");
        assertThatThrownBy(() -> TrainingDataset.read(tiny, EncoderConfig.CROP_DLIB_CHIP))
                .isInstanceOf(TrainerException.class)
                .hasMessageContaining("manifest.jsonl line 1 has no \"chip\"")
                .hasMessageContaining("crop: dlib-chip");
        // the same dataset is fine for an aligned-crop encoder, which reads "portrait"
        assertThat(TrainingDataset.read(tiny, EncoderConfig.CROP_ALIGNED).examples()).hasSize(4);
    }
}
