package io.dreamid.diffusion.pipeline;

import io.dreamid.common.image.Png;
import io.dreamid.common.image.RgbImage;
import io.dreamid.common.json.Json;
import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.tensors.SafetensorsFile;
import io.dreamid.diffusion.TinyBundles;
import io.dreamid.diffusion.bundle.SdBundle;
import io.dreamid.diffusion.onnx.RuntimeOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

import static io.dreamid.diffusion.TinyBundles.maxAbsDiff;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Identity injection on the tiny SD1-like bundle: the text encoder receives S* exactly at the placeholder positions
 * (hidden states equal torch's for the same ids and S*), a different S* changes the image, and the same S* and seed
 * reproduce the PNG byte for byte.
 */
class InjectionTest {
    private static final GenerationParams PARAMS = new GenerationParams(4, 7.5, 42, 64, 64, null);
    private static StableDiffusionPipeline pipeline;
    private static SafetensorsFile golden;

    @BeforeAll
    static void load() {
        pipeline = StableDiffusionPipeline.load(SdBundle.open(TinyBundles.sd1()), RuntimeOptions.CPU_DEFAULTS);
        golden = TinyBundles.goldens("sd1");
    }

    @AfterAll
    static void close() {
        pipeline.close();
    }

    @Test
    void sStarSitsAtThePlaceholderAndTheEncoderGivesTorchsHiddenStates() throws Exception {
        IdentityEmbedding sStar = sStar();
        int[] goldenIds = Json.mapper().readValue(golden.metadata().get("ids"), int[].class);
        int start = Integer.parseInt(golden.metadata().get("placeholder_start"));

        TextConditioning text = pipeline.encodePrompt(golden.metadata().get("prompt"), "", sStar, false,
                new Timings());

        PromptEmbedder.Embedded prompt = text.prompt();
        assertThat(prompt.identityStart()).isEqualTo(start);
        assertThat(prompt.identityWords()).isEqualTo(2);
        for (int i = 0; i < goldenIds.length; i++) {
            if (i == start || i == start + 1) {
                assertThat(prompt.ids()[i]).isEqualTo(PromptEmbedder.IDENTITY_SLOT);
                assertThat(Arrays.copyOfRange(prompt.embeds(), i * 32, (i + 1) * 32))
                        .containsExactly(Arrays.copyOfRange(sStar.values(), (i - start) * 32, (i - start + 1) * 32));
            } else {
                assertThat(prompt.ids()[i]).as("token %d", i).isEqualTo(goldenIds[i]);
            }
        }
        assertThat(maxAbsDiff(text.hidden(), golden.floats("injected_hidden"))).isLessThan(1e-4);
    }

    @Test
    void plainPromptsRunAsTextToImageAndMatchTorch() {
        TextConditioning text = pipeline.encodePrompt(golden.metadata().get("plain_prompt"), "", null, false,
                new Timings());

        assertThat(text.prompt().identityStart()).isEqualTo(-1);
        assertThat(maxAbsDiff(text.hidden(), golden.floats("plain_hidden"))).isLessThan(1e-4);
    }

    @Test
    void sameIdentityAndSeedGiveTheSamePngByteForByte() {
        byte[] first = png(sStar(), PARAMS, 0);
        byte[] again = png(sStar(), PARAMS, 0);
        assertThat(again).isEqualTo(first);
    }

    @Test
    void anotherIdentityOrSeedOrImageIndexChangesTheImage() {
        byte[] reference = png(sStar(), PARAMS, 0);
        float[] other = sStar().values().clone();
        other[0] += 1f;

        assertThat(png(new IdentityEmbedding(other, 2, 32), PARAMS, 0)).isNotEqualTo(reference);
        assertThat(png(sStar(), new GenerationParams(4, 7.5, 43, 64, 64, null), 0)).isNotEqualTo(reference);
        // Image 1 of seed 42 starts from the noise of seed 43: the documented seed + index rule.
        assertThat(png(sStar(), PARAMS, 1))
                .isEqualTo(png(sStar(), new GenerationParams(4, 7.5, 43, 64, 64, null), 0));
    }

    @Test
    void guidanceAtMostOneRunsTheConditionalBranchOnly() {
        GenerationParams unguided = new GenerationParams(3, 1.0, 7, 64, 64, "euler");
        TextConditioning text = pipeline.encodePrompt("a photo of {id}", "blurry", sStar(), unguided.guided(),
                new Timings());
        assertThat(text.batch()).isEqualTo(1);
        RgbImage image = pipeline.generate(text, unguided, 0, GenerationControl.NONE, new Timings());
        assertThat(image.width()).isEqualTo(64);
        assertThat(image.height()).isEqualTo(64);
    }

    @Test
    void aLongPromptIsCutAfterThePlaceholderWithTheEndTokenLast() {
        String prompt = "a photo of {id}" + " in the garden".repeat(40);
        PromptEmbedder.Embedded e = pipeline.encodePrompt(prompt, "", sStar(), false, new Timings()).prompt();
        assertThat(e.ids()).hasSize(77);
        // 913 is <|endoftext|> in the tiny vocabulary (512 byte symbols, 400 merges, then the two specials).
        assertThat(e.ids()[76]).isEqualTo(913);
        assertThat(e.identityStart()).isPositive();
    }

    @Test
    void wrongInputsAreRefusedWithWhatToFix() {
        assertThatThrownBy(() -> pipeline.encodePrompt("a photo of {id}", "", null, false, new Timings()))
                .isInstanceOf(GenerationException.class)
                .hasMessageContaining("carries no identity")
                .extracting(e -> ((GenerationException) e).code()).isEqualTo(ErrorCodes.BAD_SPEC);
        assertThatThrownBy(() -> pipeline.encodePrompt("a photo of {id}", "",
                new IdentityEmbedding(new float[2 * 768], 2, 768), false, new Timings()))
                .isInstanceOf(GenerationException.class)
                .hasMessageContaining("768 wide but this model's text encoder takes 32");
        assertThatThrownBy(() -> pipeline.checkInputs(new GenerationParams(4, 7.5, 1, 60, 64, null)))
                .isInstanceOf(GenerationException.class)
                .hasMessageContaining("multiples of 8");
        assertThatThrownBy(() -> pipeline.checkInputs(new GenerationParams(4, 7.5, 1, 64, 64, "heun")))
                .isInstanceOf(GenerationException.class)
                .hasMessageContaining("scheduler");
    }

    @Test
    void cancellationStopsBetweenSteps() {
        TextConditioning text = pipeline.encodePrompt("a photo of {id}", "", sStar(), true, new Timings());
        int[] steps = {0};
        GenerationControl cancelAfterTwo = new GenerationControl() {
            @Override
            public boolean cancelled() {
                return steps[0] >= 2;
            }

            @Override
            public void stepDone(int done, int total) {
                steps[0] = done;
            }
        };
        assertThatThrownBy(() -> pipeline.generate(text, PARAMS, 0, cancelAfterTwo, new Timings()))
                .isInstanceOf(GenerationCancelledException.class)
                .hasMessageContaining("before step 3");
        assertThat(steps[0]).isEqualTo(2);
    }

    private static IdentityEmbedding sStar() {
        return new IdentityEmbedding(golden.floats("s_star"), 2, 32);
    }

    private static byte[] png(IdentityEmbedding identity, GenerationParams params, int index) {
        TextConditioning text = pipeline.encodePrompt("a photo of {id} in the garden", "", identity, params.guided(),
                new Timings());
        RgbImage image = pipeline.generate(text, params, index, GenerationControl.NONE, new Timings());
        return Png.encode(image, Map.of("prompt", "a photo of {id} in the garden"));
    }
}
