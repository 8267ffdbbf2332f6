package io.dreamid.trainer;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.dreamid.common.tensors.FloatTensor;
import io.dreamid.common.tensors.Safetensors;
import io.dreamid.common.tensors.SafetensorsFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shared gradient golden (loss and dLoss/dE by PyTorch autograd through the frozen TorchScript text encoder and
 * UNet) is reproduced through DJL, and the frozen weights stay bit-identical.
 */
class GoldenGradientTest {
    private static FrozenModels models;
    private static SafetensorsFile golden;

    @BeforeAll
    static void load() {
        models = FrozenModels.load(TestModels.torchscript(), Device.cpu());
        golden = Safetensors.read(TestModels.torchscript().resolve("golden/golden.safetensors"));
    }

    @AfterAll
    static void close() {
        models.close();
    }

    @Test
    void lossAndInputGradientEqualPyTorchs() {
        String before = models.weightsDigest();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray e = array(manager, "E");
            e.setRequiresGradient(true);
            float loss;
            float[] hidden;
            float[] pred;
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray h = models.encodeText(e);
                NDArray p = models.predict(array(manager, "noisy"), array(manager, "t"), h);
                NDArray l = p.sub(array(manager, "target")).square().mean();
                gc.backward(l);
                loss = l.getFloat();
                hidden = h.toFloatArray();
                pred = p.toFloatArray();
            }
            float[] grad = e.getGradient().toFloatArray();

            assertThat(maxAbsDiff(hidden, golden.floats("hidden"))).isLessThan(1e-5);
            assertThat(maxAbsDiff(pred, golden.floats("pred"))).isLessThan(1e-5);
            float goldenLoss = golden.floats("loss")[0];
            assertThat((double) Math.abs(loss - goldenLoss) / goldenLoss).isLessThan(1e-4);
            float[] goldenGrad = golden.floats("dLoss_dE");
            double relative = maxAbsDiff(grad, goldenGrad) / maxAbs(goldenGrad);
            System.out.printf("golden: loss %.7f (PyTorch %.7f), dLoss/dE max relative difference %.2e%n",
                    loss, goldenLoss, relative);
            assertThat(relative).isLessThan(1e-4);
        }
        assertThat(models.weightsDigest()).as("frozen weights after a backward pass").isEqualTo(before);
    }

    @Test
    void tokenTableIsTheTextEncoders() {
        assertThat(models.vocabSize()).isEqualTo(49408);
        assertThat(models.width()).isEqualTo(32);
        // E[1] is the empty prompt's token rows: position 0 is the start token 49406, position 1 the end token 49407.
        float[] table = models.tokenTable();
        float[] e = golden.floats("E");
        int width = 32;
        int row1 = 77 * width;
        for (int i = 0; i < width; i++) {
            assertThat(e[row1 + i]).isEqualTo(table[49406 * width + i]);
            assertThat(e[row1 + width + i]).isEqualTo(table[49407 * width + i]);
        }
    }

    private static NDArray array(NDManager manager, String name) {
        FloatTensor t = golden.tensor(name);
        return manager.create(t.data(), new Shape(t.shape()));
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }

    static double maxAbs(float[] a) {
        double max = 0;
        for (float v : a) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }
}
