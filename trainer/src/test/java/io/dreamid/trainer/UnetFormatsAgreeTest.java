package io.dreamid.trainer;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The serving bundle's ONNX UNet (ONNX Runtime) and the twin's TorchScript UNet (DJL) predict the same noise for the
 * same inputs, so a trainer's words are trained against the UNet the service generates with; also a variant of the
 * tiny model written in both formats by a tools/trainer script (make_denoising_tiny.py): the committed learning tiny
 * model (whose VAE encoder, ToyVae's, is checked the same way) or one given with {@code -Dunet.variant=OUT}.
 */
class UnetFormatsAgreeTest {
    @TempDir
    Path work;

    @Test
    void tinyModel() throws Exception {
        agree("tiny", TestModels.sdBundle(), TestModels.torchscript());
    }

    /** The learning tiny model: its fine-tuned UNet and its own VAE encoder, each written in both formats. */
    @Test
    void learningTinyModel() throws Exception {
        TestModels.SdModel model = TestModels.learningTiny(work);
        agree("learning tiny", model.bundle(), model.twin());

        int batch = 2;
        float[] images = gaussian(new Random(11), batch * 3 * 64 * 64, 0.5);
        float[] onnx;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(model.bundle().resolve("vae_encoder/model.onnx").toString());
                OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(images), new long[] {batch, 3, 64, 64});
                OrtSession.Result out = session.run(Map.of("sample", x))) {
            FloatBuffer b = ((OnnxTensor) out.get(0)).getFloatBuffer();
            onnx = new float[b.remaining()];
            b.get(onnx);
        }
        float[] torch;
        try (FrozenModels models = FrozenModels.load(model.twin(), Device.cpu());
                NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            torch = models.encodeImage(manager.create(images, new Shape(batch, 3, 64, 64))).toFloatArray();
        }
        double diff = GoldenGradientTest.maxAbsDiff(onnx, torch);
        System.out.printf("learning tiny VAE encoder: ONNX vs TorchScript max |difference| %.2e (max |latent| %.3f)%n",
                diff, GoldenGradientTest.maxAbs(onnx));
        assertThat(onnx).hasSize(batch * 4 * 8 * 8);
        assertThat(diff).isLessThan(1e-4);
    }

    /** A variant written by a tools/trainer script: {@code -Dunet.variant=OUT} (OUT/bundle and OUT/torchscript). */
    @Test
    void variantGivenOnTheCommandLine() throws Exception {
        String out = System.getProperty("unet.variant");
        assumeTrue(out != null, "no -Dunet.variant");
        agree(out, Path.of(out, "bundle"), Path.of(out, "torchscript"));
    }

    static void agree(String model, Path bundle, Path twin) throws Exception {
        int batch = 2;
        Random random = new Random(7);
        float[] sample = gaussian(random, batch * 4 * 8 * 8, 1);
        float[] timesteps = {10, 600};
        float[] context = gaussian(random, batch * 77 * 32, 1);

        float[] onnx;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(bundle.resolve("unet/model.onnx").toString());
                OnnxTensor s = OnnxTensor.createTensor(env, FloatBuffer.wrap(sample), new long[] {batch, 4, 8, 8});
                OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(timesteps), new long[] {batch});
                OnnxTensor c = OnnxTensor.createTensor(env, FloatBuffer.wrap(context), new long[] {batch, 77, 32});
                OrtSession.Result out = session.run(Map.of("sample", s, "timestep", t, "encoder_hidden_states", c))) {
            FloatBuffer b = ((OnnxTensor) out.get(0)).getFloatBuffer();
            onnx = new float[b.remaining()];
            b.get(onnx);
        }

        float[] torch;
        try (FrozenModels models = FrozenModels.load(twin, Device.cpu());
                NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray p = models.predict(manager.create(sample, new Shape(batch, 4, 8, 8)),
                    manager.create(timesteps, new Shape(batch)), manager.create(context, new Shape(batch, 77, 32)));
            torch = p.toFloatArray();
        }
        double diff = GoldenGradientTest.maxAbsDiff(onnx, torch);
        System.out.printf("%s UNet: ONNX vs TorchScript max |difference| %.2e (max |prediction| %.3f)%n", model, diff,
                GoldenGradientTest.maxAbs(onnx));
        assertThat(diff).isLessThan(1e-4);
    }

    private static float[] gaussian(Random random, int n, double scale) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (random.nextGaussian() * scale);
        }
        return out;
    }
}
