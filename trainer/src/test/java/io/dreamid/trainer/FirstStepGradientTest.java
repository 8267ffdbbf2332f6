package io.dreamid.trainer;

import io.dreamid.common.tensors.Safetensors;
import io.dreamid.common.tensors.SafetensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The first step's loss and projector gradients equal PyTorch's (tools/trainer/reference_step.py, torch autograd on
 * the same TorchScript twins and the same batch) within 1e-4 relative, and the batch is what the trainer draws.
 */
class FirstStepGradientTest {

    @Test
    void projectorGradientsEqualPyTorchs(@TempDir Path work) {
        SafetensorsFile batch = Safetensors.read(TestModels.resource("reference/first-batch.safetensors"));
        SafetensorsFile torch = Safetensors.read(TestModels.resource("reference/first-step-torch.safetensors"));
        TrainingOptions options = new TrainingOptions(TestModels.resource("datasets/tiny"), TestModels.baseEncoder(),
                TestModels.sdBundle(), TestModels.torchscript(), work.resolve("unused"),
                work.resolve("unused-checkpoints"), 10, 2, 1e-2, 1, 0.01, 1.0, 7, 10, 0, null, 1);
        try (Trainer trainer = Trainer.prepare(options, System.out)) {
            Trainer.Batch b = trainer.batch(0);
            // the golden's inputs are the trainer's own first batch (backbone features, embeddings, noise)
            assertThat(b.features()).containsExactly(batch.floats("features"));
            assertThat(b.embeds()).containsExactly(batch.floats("embeds"));
            assertThat(b.noisy()).containsExactly(batch.floats("noisy"));
            assertThat(b.target()).containsExactly(batch.floats("target"));
            assertThat(b.timesteps()).containsExactly(batch.floats("timesteps"));

            List<String> names = List.copyOf(trainer.projector().parameters().keySet());
            float[][] grads = new float[names.size()][];
            float loss = trainer.gradients(b, grads);
            float torchLoss = torch.floats("loss")[0];
            assertThat((double) Math.abs(loss - torchLoss) / torchLoss).isLessThan(1e-4);
            double worst = 0;
            for (int i = 0; i < names.size(); i++) {
                float[] expected = torch.floats("grad/" + names.get(i));
                double relative = GoldenGradientTest.maxAbsDiff(grads[i], expected)
                        / GoldenGradientTest.maxAbs(expected);
                assertThat(relative).as(names.get(i)).isLessThan(1e-4);
                worst = Math.max(worst, relative);
            }
            System.out.printf("first step: loss %.7f (PyTorch %.7f), projector gradients max relative difference"
                    + " %.2e over %d tensors%n", loss, torchLoss, worst, names.size());
        }
    }
}
