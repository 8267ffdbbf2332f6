package io.dreamid.trainer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A checkpoint of a run with other options is not resumed (the exact resume itself: CheckpointMirrorIT). */
class ResumeTest {

    @Test
    void aCheckpointOfOtherOptionsIsRefused(@TempDir Path work) {
        try (Trainer trainer = Trainer.prepare(TrainingRuns.tiny(work, 4, 1e-2, 2, 2), System.out)) {
            trainer.train();
        }
        try (Trainer trainer = Trainer.prepare(TrainingRuns.tiny(work, 4, 5e-3, 2, 0), System.out)) {
            assertThatThrownBy(trainer::resume).isInstanceOf(TrainerException.class)
                    .hasMessageContaining("belongs to a run with other data, models or options");
        }
    }
}
