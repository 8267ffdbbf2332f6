package io.dreamid.trainer;

import java.nio.file.Path;

/** Options for training runs on the tiny models and the fixed tiny dataset. */
public final class TrainingRuns {
    private TrainingRuns() {
    }

    public static TrainingOptions tiny(Path work, int steps, double lr, int checkpointEvery, int stopAt) {
        return new TrainingOptions(TestModels.resource("datasets/tiny"), TestModels.baseEncoder(),
                TestModels.sdBundle(), TestModels.torchscript(), work.resolve("bundle"), work.resolve("checkpoints"),
                steps, 2, lr, Math.max(1, steps / 10), 0.01, 1.0, 7, checkpointEvery, stopAt, null, 10);
    }
}
