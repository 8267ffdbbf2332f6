package io.dreamid.diffusion.pipeline;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import io.dreamid.common.image.RgbImage;
import io.dreamid.common.json.Json;
import io.dreamid.diffusion.TinyBundles;
import io.dreamid.diffusion.bundle.SdBundle;
import io.dreamid.diffusion.onnx.RuntimeOptions;
import io.dreamid.diffusion.scheduler.GaussianNoise;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static io.dreamid.diffusion.TinyBundles.maxAbsDiff;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The built-in bundle is a user's export at toy size (real transformers/diffusers classes, converted unmodified by
 * diffusers' ONNX script): the pipeline loads it as it is, and gives what diffusers' own OnnxStableDiffusionPipeline
 * gives (src/test/resources/sd-real-arch-tiny/reference, see the bundle's PROVENANCE.md): the same text states,
 * and the same images from the same starting latents.
 */
class RealArchitectureGoldenTest {
    private static final Path REFERENCE = Path.of("src/test/resources/sd-real-arch-tiny/reference");
    private static StableDiffusionPipeline pipeline;
    private static JsonNode reference;

    @BeforeAll
    static void load() throws IOException {
        pipeline = StableDiffusionPipeline.load(SdBundle.open(TinyBundles.realArchitecture()),
                RuntimeOptions.CPU_DEFAULTS);
        // The schedulers' configs in it hold Python's -Infinity (lambda_min_clipped).
        reference = Json.mapper().reader().with(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .readTree(Files.readAllBytes(REFERENCE.resolve("reference.json")));
    }

    @AfterAll
    static void close() {
        pipeline.close();
    }

    @Test
    void theTokenizerGivesTheReferenceIds() {
        PromptEmbedder.Embedded prompt = pipeline.embedder().embed(reference.get("prompt").asText());
        PromptEmbedder.Embedded empty = pipeline.embedder().embed("");

        assertThat(prompt.ids()).containsExactly(ints(reference.get("input_ids_prompt")));
        assertThat(empty.ids()).containsExactly(ints(reference.get("input_ids_empty")));
    }

    @Test
    void textStatesForThePromptAndForEmptyTextEqualDiffusers() throws IOException {
        TextConditioning text = pipeline.encodePrompt(reference.get("prompt").asText(), "", null, true,
                new Timings());
        int one = 77 * 32;

        assertThat(text.hidden()).hasSize(2 * one);
        assertThat(maxAbsDiff(Arrays.copyOfRange(text.hidden(), 0, one), f32("last_hidden_state_empty.f32")))
                .isLessThan(1e-5);
        assertThat(maxAbsDiff(Arrays.copyOfRange(text.hidden(), one, 2 * one), f32("last_hidden_state_prompt.f32")))
                .isLessThan(1e-5);
    }

    @Test
    void theStartingLatentsAreTheReferences() throws IOException {
        // Seed 42 of the project's generator is what diffusers was given: the images below start from the same x_T.
        assertThat(new GaussianNoise(reference.get("seed_of_initial_latents_in_the_project").asLong()).next(4 * 8 * 8))
                .containsExactly(f32("initial_latents.f32"));
    }

    @Test
    void anIdentityAtThePlaceholderIsWhereItsWordsWouldBe() throws IOException {
        // S* = the input embeddings of "an astronaut": "a photo of {id} riding ..." must then give diffusers' states
        // for the whole prompt, and an image comes out of it.
        String prompt = reference.get("prompt").asText();
        assertThat(prompt).startsWith("a photo of an astronaut ");
        float[] plain = pipeline.embedder().embed(prompt).embeds();
        IdentityEmbedding anAstronaut = new IdentityEmbedding(Arrays.copyOfRange(plain, 4 * 32, 6 * 32), 2, 32);

        TextConditioning text = pipeline.encodePrompt(prompt.replace("an astronaut", "{id}"), "", anAstronaut, false,
                new Timings());

        assertThat(text.prompt().identityStart()).isEqualTo(4);
        assertThat(text.prompt().ids()[4]).isEqualTo(PromptEmbedder.IDENTITY_SLOT);
        assertThat(maxAbsDiff(text.hidden(), f32("last_hidden_state_prompt.f32"))).isLessThan(1e-5);
        RgbImage image = pipeline.generate(text, new GenerationParams(2, 1.0, 3, 64, 64, null), 0,
                GenerationControl.NONE, new Timings());
        assertThat(image.width()).isEqualTo(64);
    }

    @ParameterizedTest
    @CsvSource({"pndm, 0", "ddim, 0", "euler, 1", "dpmpp-2m, 1"})
    void imagesEqualDiffusersFromTheSameLatents(String scheduler, int tolerance) throws IOException {
        GenerationParams params = new GenerationParams(reference.get("steps").asInt(),
                reference.get("guidance_scale").asDouble(), reference.get("seed_of_initial_latents_in_the_project")
                        .asLong(), reference.get("width").asInt(), reference.get("height").asInt(), scheduler);
        TextConditioning text = pipeline.encodePrompt(reference.get("prompt").asText(),
                reference.get("negative_prompt").asText(), null, true, new Timings());

        RgbImage image = pipeline.generate(text, params, 0, GenerationControl.NONE, new Timings());

        BufferedImage expected = ImageIO.read(REFERENCE.resolve(
                reference.get("images").get(scheduler).get("file").asText()).toFile());
        assertThat(image.width()).isEqualTo(expected.getWidth());
        assertThat(image.height()).isEqualTo(expected.getHeight());
        int worst = 0;
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                int a = image.rgbAt(x, y);
                int b = expected.getRGB(x, y);
                for (int shift = 0; shift <= 16; shift += 8) {
                    worst = Math.max(worst, Math.abs(((a >> shift) & 0xff) - ((b >> shift) & 0xff)));
                }
            }
        }
        assertThat(worst).as("largest channel difference to diffusers' image with " + scheduler)
                .isLessThanOrEqualTo(tolerance);
    }

    private static float[] f32(String name) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(REFERENCE.resolve(name))).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[bytes.remaining() / Float.BYTES];
        bytes.asFloatBuffer().get(out);
        return out;
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
