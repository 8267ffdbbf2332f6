package io.dreamid.diffusion.pipeline;

import io.dreamid.common.image.RgbImage;
import io.dreamid.common.tensors.SafetensorsFile;
import io.dreamid.diffusion.TinyBundles;
import io.dreamid.diffusion.bundle.SdBundle;
import io.dreamid.diffusion.onnx.RuntimeOptions;
import io.dreamid.diffusion.onnx.UnetSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

import static io.dreamid.diffusion.TinyBundles.maxAbsDiff;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An fp16 export (every float tensor float16, inputs and outputs included; here tiny-sd1 converted by
 * tools/diffusion/make_fp16_bundle.py) loads and generates: each model agrees with torch's float32 reference within
 * half precision, and its images with the float32 bundle's. A bundle that keeps a float32 VAE decoder works too.
 */
class Fp16BundleTest {
    private static final GenerationParams PARAMS = new GenerationParams(6, 7.5, 21, 64, 64, "euler");

    @Test
    void eachModelAgreesWithTorchFloat32WithinHalfPrecision() throws Exception {
        SafetensorsFile g = TinyBundles.goldens("sd1");
        try (StableDiffusionPipeline pipeline = StableDiffusionPipeline.load(SdBundle.open(TinyBundles.sd1Fp16()),
                RuntimeOptions.CPU_DEFAULTS)) {
            assertThat(pipeline.precision()).isEqualTo("float16");
            // Text encoder with injected words (float16 token table and inputs_embeds).
            TextConditioning injected = pipeline.encodePrompt(g.metadata().get("prompt"), "",
                    new IdentityEmbedding(g.floats("s_star"), 2, 32), false, new Timings());
            float[] expected = g.floats("injected_hidden");
            System.out.printf("text: max |fp16 - torch| %.5f of max |x| %.3f%n",
                    maxAbsDiff(injected.hidden(), expected), maxAbs(expected));
            assertThat(maxAbsDiff(injected.hidden(), expected)).isLessThan(halfPrecision(expected));
        }
        // UNet (float16 sample, timestep, text states and prediction).
        float[] sample = g.floats("unet_sample");
        float[] context = g.floats("unet_encoder_hidden_states");
        int t = Integer.parseInt(g.metadata().get("unet_timestep"));
        float[] out = new float[sample.length];
        try (UnetSession unet = new UnetSession(TinyBundles.sd1Fp16().resolve("unet/model.onnx"),
                RuntimeOptions.CPU_DEFAULTS)) {
            assertThat(unet.half()).isTrue();
            assertThat(unet.timestepDescription()).isEqualTo("FLOAT16[-1]");
            int half = sample.length / 2;
            for (int b = 0; b < 2; b++) {
                try (UnetSession.Call call = unet.begin(2, 8, 8, context, 77)) {
                    call.run(Arrays.copyOfRange(sample, b * half, (b + 1) * half), 2, t, out);
                }
                float[] expected = Arrays.copyOfRange(g.floats("unet_out"), b * half, (b + 1) * half);
                float[] got = Arrays.copyOfRange(out, b * half, (b + 1) * half);
                System.out.printf("unet: max |fp16 - torch| %.5f of max |x| %.3f%n", maxAbsDiff(got, expected),
                        maxAbs(expected));
                assertThat(maxAbsDiff(got, expected)).isLessThan(halfPrecision(expected));
            }
        }
    }

    @Test
    void imagesAgreeWithTheFloat32Bundles() {
        RgbImage full = generate(TinyBundles.sd1());
        RgbImage half = generate(TinyBundles.sd1Fp16());
        double diff = meanAbsDiff(full, half);
        System.out.printf("image: mean |fp16 - fp32| %.3f of 255%n", diff);
        assertThat(diff).isLessThan(1.0);
    }

    @Test
    void aBundleWithAFloat32VaeDecoderWorksAndSaysSo(@TempDir Path dir) throws IOException {
        Path mixed = dir.resolve("mixed");
        TinyBundles.copy(TinyBundles.sd1Fp16(), mixed);
        TinyBundles.copy(TinyBundles.sd1().resolve("vae_decoder"), mixed.resolve("vae_decoder"));
        try (StableDiffusionPipeline pipeline = StableDiffusionPipeline.load(SdBundle.open(mixed),
                RuntimeOptions.CPU_DEFAULTS)) {
            assertThat(pipeline.precision()).isEqualTo("text encoder float16, UNet float16, VAE decoder float32");
        }
        assertThat(meanAbsDiff(generate(TinyBundles.sd1()), generate(mixed))).isLessThan(1.0);
    }

    private static RgbImage generate(Path bundle) {
        try (StableDiffusionPipeline pipeline = StableDiffusionPipeline.load(SdBundle.open(bundle),
                RuntimeOptions.CPU_DEFAULTS)) {
            TextConditioning text = pipeline.encodePrompt("a photo of a cat in the garden", "", null, true,
                    new Timings());
            return pipeline.generate(text, PARAMS, 0, GenerationControl.NONE, new Timings());
        }
    }

    /** Float16 keeps 11 significant bits: a few units in its last place of the largest value, after a network. */
    private static double halfPrecision(float[] reference) {
        return maxAbs(reference) * 0x1p-11 * 16;
    }

    private static double maxAbs(float[] values) {
        double max = 0;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    private static double meanAbsDiff(RgbImage a, RgbImage b) {
        byte[] x = a.rgb();
        byte[] y = b.rgb();
        assertThat(y).hasSameSizeAs(x);
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            sum += Math.abs((x[i] & 0xff) - (y[i] & 0xff));
        }
        return sum / x.length;
    }
}
