package io.dreamid.diffusion.pipeline;

import io.dreamid.common.image.RgbImage;
import io.dreamid.common.tensors.SafetensorsFile;
import io.dreamid.diffusion.TinyBundles;
import io.dreamid.diffusion.bundle.SdBundle;
import io.dreamid.diffusion.onnx.RuntimeOptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SD2-like bundle (v-prediction, DDIM with trailing spacing, an int64 timestep of shape [1], "!" padding) runs
 * through the same pipeline: injection matches torch, and every scheduler generates reproducibly.
 */
class Sd2PipelineTest {

    @Test
    void vPredictionBundleGeneratesReproduciblyWithEveryScheduler() {
        try (StableDiffusionPipeline pipeline = StableDiffusionPipeline.load(SdBundle.open(TinyBundles.sd2()),
                RuntimeOptions.CPU_DEFAULTS)) {
            float[] values = new float[3 * 32];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) Math.cos(i);
            }
            IdentityEmbedding identity = new IdentityEmbedding(values, 3, 32);
            TextConditioning text = pipeline.encodePrompt("{id} reading a book", "", identity, true, new Timings());
            // "!" (id 0) pads SD 2.x prompts, after the end token.
            assertThat(text.prompt().ids()[76]).isZero();
            assertThat(text.prompt().identityStart()).isEqualTo(1);

            // The injected hidden states equal torch's for this bundle too ("!" padding included).
            SafetensorsFile golden = TinyBundles.goldens("sd2");
            TextConditioning injected = pipeline.encodePrompt(golden.metadata().get("prompt"), "",
                    new IdentityEmbedding(golden.floats("s_star"), 2, 32), false, new Timings());
            assertThat(TinyBundles.maxAbsDiff(injected.hidden(), golden.floats("injected_hidden"))).isLessThan(1e-4);

            for (String scheduler : new String[] {null, "ddim", "euler", "euler-ancestral", "dpmpp-2m", "pndm"}) {
                GenerationParams params = new GenerationParams(3, 5.0, 11, 64, 48, scheduler);
                RgbImage first = pipeline.generate(text, params, 0, GenerationControl.NONE, new Timings());
                RgbImage second = pipeline.generate(text, params, 0, GenerationControl.NONE, new Timings());
                assertThat(first.width()).isEqualTo(64);
                assertThat(first.height()).isEqualTo(48);
                assertThat(second.rgb()).as(String.valueOf(scheduler)).isEqualTo(first.rgb());
            }
        }
    }
}
