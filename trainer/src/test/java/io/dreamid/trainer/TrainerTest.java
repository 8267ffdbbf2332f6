package io.dreamid.trainer;

import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.image.SafeImageDecoder;
import io.dreamid.encoder.bundle.EncoderBundle;
import io.dreamid.encoder.model.M2Encoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Training on the fixed tiny dataset lowers the loss on fixed draws, leaves every frozen weight bit-identical, and
 * writes a bundle that the encoder-service's loader accepts and that is no longer marked untrained.
 */
class TrainerTest {

    @Test
    void lossGoesDownAndTheBundleServes(@TempDir Path work) throws Exception {
        TrainingOptions options = TrainingRuns.tiny(work, 60, 1e-2, 50, 0);
        String frozenBefore;
        double before;
        double after;
        float[] losses;
        try (Trainer trainer = Trainer.prepare(options, System.out)) {
            frozenBefore = trainer.frozen().weightsDigest();
            before = trainer.evaluate(8);
            trainer.train();
            after = trainer.evaluate(8);
            losses = trainer.lossArray();
            assertThat(trainer.frozen().weightsDigest()).as("frozen weights after training").isEqualTo(frozenBefore);
            EncoderBundleWriter.write(trainer, options.out());
        }
        float[] smooth = LossCurve.movingAverage(losses, 10);
        System.out.printf("fixed-draw loss before %.5f, after %.5f; training loss (mean of 10) at steps 10/30/60:"
                + " %.5f %.5f %.5f%n", before, after, smooth[9], smooth[29], smooth[59]);
        assertThat(after).isLessThan(before);

        Path out = options.out();
        assertThat(out.resolve("training-card.json")).exists();
        assertThat(out.resolve("loss-curve.png")).exists();
        assertThat(Files.readString(out.resolve("training-card.json"))).contains("\"steps\" : 60", "frozenModels",
                "onnx/unet/weights.pb");
        Path crop = TestModels.resource("datasets/tiny/crops/person-a.png");
        try (M2Encoder trained = EncoderBundle.load(out, 1);
                M2Encoder base = EncoderBundle.load(TestModels.baseEncoder(), 1)) {
            assertThat(trained.config().version()).startsWith("trained-").doesNotContain("untrained");
            var image = SafeImageDecoder.decode(Files.readAllBytes(crop), ImageLimits.DEFAULT);
            float[] words = trained.encode(image).embedding();
            assertThat(words).hasSize(2 * 32);
            assertThat(Arrays.equals(words, base.encode(image).embedding())).as("trained words differ").isFalse();
        }
    }
}
