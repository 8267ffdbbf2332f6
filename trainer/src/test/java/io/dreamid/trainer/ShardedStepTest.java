package io.dreamid.trainer;

import ai.djl.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Data parallelism over {@code --devices}, on the CPU listed twice (two shards, each with its own module copies): a
 * step split in two gives the loss, gradients and updated projector of the unsplit step; a split run stopped and
 * resumed equals an uninterrupted split run bit for bit; its checkpoint resumes on one device; and start-up refuses
 * devices that do not exist.
 */
class ShardedStepTest {
    private static final List<Device> ONE = List.of(Device.cpu());
    private static final List<Device> TWO = List.of(Device.cpu(), Device.cpu());
    /**
     * The split step differs from the unsplit one only in float32 rounding: each shard's text encoder and UNet run on
     * batch 1 instead of 2 (other kernel blocking and summation order), the mean over the 2 x 4 x 8 x 8 latent values
     * is summed in two halves, and the two gradients are added on the host. The loss, one reduction, stays near
     * float32's 6e-8 (measured 1.0e-7 relative); the gradients pass back through the UNet and text encoder and
     * differ by 8.8e-6 of each tensor's largest value (measured here), so they get the bar the project uses for one
     * gradient computed two ways in float32 (DJL against PyTorch: 1e-4 relative, FirstStepGradientTest). A real
     * error is far larger: a missing shard weight doubles the gradient, a dropped shard changes it by ~100 %.
     */
    private static final double LOSS_TOLERANCE = 1e-6;
    private static final double GRADIENT_TOLERANCE = 1e-4;
    /**
     * After AdamW's first step each element has moved by lr g / (|g| + eps) (bias-corrected moments of one gradient),
     * at most lr: elements whose gradient is near zero turn a small rounding difference into a visible share of lr
     * (measured 6.5e-5 lr). A wrong or dropped shard flips the sign of many elements' moves, a difference of up to 2 lr.
     */
    private static final double STEP_TOLERANCE_OF_LR = 1e-3;

    @Test
    void aStepSplitInTwoEqualsTheUnsplitStep(@TempDir Path work) {
        TrainingOptions options = TrainingRuns.tiny(work.resolve("split"), 2, 1e-2, 1, 1);
        TrainingOptions single = TrainingRuns.tiny(work.resolve("split"), 2, 1e-2, 1, 0);
        try (Trainer one = Trainer.prepare(single, ONE, System.out);
                Trainer two = Trainer.prepare(options, TWO, System.out)) {
            assertThat(two.frozenCopies()).hasSize(2).doesNotHaveDuplicates();
            int tensors = one.projector().parameters().size();
            float[][] g1 = new float[tensors][];
            float[][] g2 = new float[tensors][];
            float loss1 = one.gradients(one.batch(0), g1);
            float loss2 = two.gradients(two.batch(0), g2);
            double lossDiff = Math.abs(loss1 - loss2) / loss1;
            double gradDiff = worst(g1, g2);
            System.out.printf("split step: loss %.8f vs %.8f (relative %.1e), gradients max relative %.1e%n", loss1,
                    loss2, lossDiff, gradDiff);
            assertThat(lossDiff).isLessThan(LOSS_TOLERANCE);
            assertThat(gradDiff).isLessThan(GRADIENT_TOLERANCE);

            // the same optimiser step: the unsplit one by hand, the split one through the training loop; compared by
            // the change each made to the projector
            double lr = new LearningRate(single.learningRate(), single.warmup(), single.steps()).at(0);
            one.step(0, lr);
            assertThat(two.train()).isEqualTo(1);
            double paramDiff = 0;
            float[][] p1 = params(one);
            float[][] p2 = params(two);
            for (int i = 0; i < p1.length; i++) {
                paramDiff = Math.max(paramDiff, GoldenGradientTest.maxAbsDiff(p1[i], p2[i]) / lr);
            }
            System.out.printf("split step: the projector after the step differs by at most %.1e lr%n", paramDiff);
            assertThat(paramDiff).isLessThan(STEP_TOLERANCE_OF_LR);

            // the split run's checkpoint is the single-device format: one device resumes it as it is
            assertThat(one.resume()).isEqualTo(1);
            assertThat(params(one)).isDeepEqualTo(params(two));
        }
    }

    @Test
    void aSplitRunResumesExactly(@TempDir Path work) {
        TrainingOptions straight = TrainingRuns.tiny(work.resolve("straight"), 3, 1e-2, 1, 0);
        TrainingOptions stopped = TrainingRuns.tiny(work.resolve("stopped"), 3, 1e-2, 1, 1);
        TrainingOptions resumed = TrainingRuns.tiny(work.resolve("stopped"), 3, 1e-2, 1, 0);
        float[][] expected;
        try (Trainer trainer = Trainer.prepare(straight, TWO, System.out)) {
            trainer.train();
            expected = params(trainer);
        }
        try (Trainer trainer = Trainer.prepare(stopped, TWO, System.out)) {
            assertThat(trainer.train()).isEqualTo(1);
        }
        try (Trainer trainer = Trainer.prepare(resumed, TWO, System.out)) {
            assertThat(trainer.resume()).isEqualTo(1);
            trainer.train();
            assertThat(params(trainer)).isDeepEqualTo(expected);
        }
    }

    @Test
    void startUpRefusesDevicesThatDoNotExist(@TempDir Path work) {
        String[] base = {"--dataset", work.toString(), "--steps", "2", "--out", work.resolve("out").toString(),
                "--encoder", work.toString(), "--sd", work.toString(), "--torchscript", work.toString()};
        // this machine has no CUDA and the tests run the CPU build of libtorch: no GPU exists
        assertThatThrownBy(() -> TrainerMain.run(with(base, "--devices", "gpu0"), System::getenv))
                .isInstanceOf(TrainerException.class)
                .hasMessageContaining("gpu0 does not exist").hasMessageContaining("libtorch sees no GPU");
        assertThatThrownBy(() -> TrainerMain.run(with(base, "--devices", "gpu:all"), System::getenv))
                .isInstanceOf(TrainerException.class).hasMessageContaining("libtorch sees no GPU");
        assertThatThrownBy(() -> TrainerMain.run(with(base, "--devices", "tpu0"), System::getenv))
                .isInstanceOf(TrainerException.class).hasMessageContaining("\"tpu0\" is not a device");
        assertThatThrownBy(() -> TrainingDevices.parse("gpu2", 2))
                .hasMessageContaining("gpu2 does not exist: libtorch sees 2 GPU(s), gpu0 to gpu1");
        assertThat(TrainingDevices.parse("gpu:all", 3)).containsExactly(Device.gpu(0), Device.gpu(1), Device.gpu(2));
        assertThatThrownBy(() -> Trainer.prepare(TrainingRuns.tiny(work, 2, 1e-2, 1, 0),
                List.of(Device.cpu(), Device.cpu(), Device.cpu()), System.out))
                .hasMessageContaining("--batch 2 is smaller than the 3 devices");
    }

    private static String[] with(String[] base, String... more) {
        List<String> all = new ArrayList<>(List.of(base));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    private static float[][] params(Trainer trainer) {
        return trainer.projector().parameters().values().stream().map(t -> t.data().clone())
                .toArray(float[][]::new);
    }

    /** The largest difference of any tensor, relative to that tensor's largest magnitude. */
    private static double worst(float[][] a, float[][] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, GoldenGradientTest.maxAbsDiff(a[i], b[i]) / GoldenGradientTest.maxAbs(a[i]));
        }
        return worst;
    }
}
