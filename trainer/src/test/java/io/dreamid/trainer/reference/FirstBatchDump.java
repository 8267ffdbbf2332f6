package io.dreamid.trainer.reference;

import io.dreamid.trainer.Trainer;
import io.dreamid.trainer.TrainingOptions;

import java.nio.file.Path;

/**
 * Writes the first training batch of the tiny run that {@code FirstStepGradientTest} checks (the projector's
 * initial weights and the inputs of step 0), for {@code tools/trainer/reference_step.py} to compute PyTorch's loss
 * and projector gradients from. Run by that script's README command; args: OUT_FILE REPO_ROOT.
 */
public final class FirstBatchDump {
    private FirstBatchDump() {
    }

    public static void main(String[] args) {
        Path root = Path.of(args[1]);
        TrainingOptions options = new TrainingOptions(root.resolve("trainer/src/test/resources/datasets/tiny"),
                root.resolve("encoder-service/src/test/resources/bundles/tiny"),
                root.resolve("diffusion-service/src/main/resources/bundles/sd-real-arch-tiny"),
                root.resolve("trainer/src/test/resources/torchscript"), Path.of(args[0]).resolveSibling("unused"),
                Path.of(args[0]).resolveSibling("unused-checkpoints"), 10, 2, 1e-2, 1, 0.01, 1.0, 7, 10, 0, null, 1);
        try (Trainer trainer = Trainer.prepare(options, System.out)) {
            trainer.writeBatch(0, Path.of(args[0]));
        }
    }
}
