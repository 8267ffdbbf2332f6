package io.dreamid.trainer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A run stopped at step k and resumed from its checkpoint ends with the same projector bytes as one that never stopped. */
class ResumeTest {

    @Test
    void stoppedAndResumedEqualsUninterrupted(@TempDir Path work) throws Exception {
        int steps = 12;
        TrainingOptions straight = TrainingRuns.tiny(work.resolve("straight"), steps, 1e-2, 5, 0);
        TrainingOptions stopped = TrainingRuns.tiny(work.resolve("stopped"), steps, 1e-2, 5, 7);
        TrainingOptions resumed = TrainingRuns.tiny(work.resolve("stopped"), steps, 1e-2, 5, 0);

        try (Trainer trainer = Trainer.prepare(straight, System.out)) {
            trainer.train();
            EncoderBundleWriter.write(trainer, straight.out());
        }
        try (Trainer trainer = Trainer.prepare(stopped, System.out)) {
            assertThat(trainer.train()).isEqualTo(7);
            assertThat(trainer.finished()).isFalse();
        }
        assertThat(stopped.checkpoints().resolve(Checkpoints.name(7))).exists();
        try (Trainer trainer = Trainer.prepare(resumed, System.out)) {
            assertThat(trainer.resume()).isEqualTo(7);
            trainer.train();
            EncoderBundleWriter.write(trainer, resumed.out());
        }
        byte[] a = Files.readAllBytes(straight.out().resolve("projection.safetensors"));
        byte[] b = Files.readAllBytes(resumed.out().resolve("projection.safetensors"));
        assertThat(b).isEqualTo(a);
    }

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
