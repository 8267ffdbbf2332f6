package io.dreamid.diffusion.pipeline;

import io.dreamid.common.image.RgbImage;
import io.dreamid.diffusion.TinyBundles;
import io.dreamid.diffusion.bundle.SdBundle;
import io.dreamid.diffusion.onnx.RuntimeOptions;
import io.dreamid.diffusion.scheduler.SchedulerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an SD 2.x export changes outside the graphs goes through the same code: the real-architecture export with
 * the tokenizer and scheduler files of stabilityai/stable-diffusion-2-1 (pad token "!" as an AddedToken in
 * tokenizer_config.json, id 0; DDIM with v_prediction) pads with id 0 and generates with every scheduler. (Inside the
 * graphs, SD 2.x's gelu text encoder, linear projections, per-block head dimensions and upcast attention are
 * operators ONNX Runtime runs; nothing in the rewriter or the pipeline reads them.)
 */
class Sd2ExportConventionsTest {
    /** stabilityai/stable-diffusion-2-1, scheduler/scheduler_config.json. */
    private static final String SD21_SCHEDULER = """
            {
              "_class_name": "DDIMScheduler",
              "_diffusers_version": "0.8.0",
              "beta_end": 0.012,
              "beta_schedule": "scaled_linear",
              "beta_start": 0.00085,
              "clip_sample": false,
              "num_train_timesteps": 1000,
              "prediction_type": "v_prediction",
              "set_alpha_to_one": false,
              "skip_prk_steps": true,
              "steps_offset": 1,
              "trained_betas": null
            }
            """;
    /** stabilityai/stable-diffusion-2-1, tokenizer/tokenizer_config.json (its pad token is "!", id 0). */
    private static final String SD21_TOKENIZER_CONFIG = """
            {
              "add_prefix_space": false,
              "bos_token": {"__type": "AddedToken", "content": "<|startoftext|>", "lstrip": false,
                            "normalized": true, "rstrip": false, "single_word": false},
              "do_lower_case": true,
              "eos_token": {"__type": "AddedToken", "content": "<|endoftext|>", "lstrip": false,
                            "normalized": true, "rstrip": false, "single_word": false},
              "errors": "replace",
              "model_max_length": 77,
              "name_or_path": "stabilityai/stable-diffusion-2",
              "pad_token": {"__type": "AddedToken", "content": "!", "lstrip": false,
                            "normalized": true, "rstrip": false, "single_word": false},
              "special_tokens_map_file": "./special_tokens_map.json",
              "tokenizer_class": "CLIPTokenizer",
              "unk_token": {"__type": "AddedToken", "content": "<|endoftext|>", "lstrip": false,
                            "normalized": true, "rstrip": false, "single_word": false}
            }
            """;
    private static final String SD21_SPECIAL_TOKENS = """
            {
              "bos_token": {"content": "<|startoftext|>", "lstrip": false, "normalized": true, "rstrip": false,
                            "single_word": false},
              "eos_token": {"content": "<|endoftext|>", "lstrip": false, "normalized": true, "rstrip": false,
                            "single_word": false},
              "pad_token": "!",
              "unk_token": {"content": "<|endoftext|>", "lstrip": false, "normalized": true, "rstrip": false,
                            "single_word": false}
            }
            """;

    @Test
    void sd21TokenizerAndSchedulerFilesPadWithZeroAndPredictV(@TempDir Path tmp) throws IOException {
        Path bundle = copy(TinyBundles.realArchitecture(), tmp.resolve("sd21-conventions"));
        Files.writeString(bundle.resolve("scheduler/scheduler_config.json"), SD21_SCHEDULER);
        Files.writeString(bundle.resolve("tokenizer/tokenizer_config.json"), SD21_TOKENIZER_CONFIG);
        Files.writeString(bundle.resolve("tokenizer/special_tokens_map.json"), SD21_SPECIAL_TOKENS);

        assertThat(SchedulerConfig.fromJson(bundle.resolve("scheduler/scheduler_config.json")).predictionType())
                .isEqualTo("v_prediction");
        try (StableDiffusionPipeline pipeline = StableDiffusionPipeline.load(SdBundle.open(bundle),
                RuntimeOptions.CPU_DEFAULTS)) {
            TextConditioning text = pipeline.encodePrompt("a photo of {id} in the snow", "",
                    new IdentityEmbedding(new float[2 * 32], 2, 32), true, new Timings());
            int[] ids = text.prompt().ids();
            assertThat(ids[0]).isEqualTo(49406);
            int end = IntStream.range(0, ids.length).filter(i -> ids[i] == 49407).findFirst()
                    .orElseThrow();
            assertThat(end).isLessThan(20);
            for (int i = end + 1; i < ids.length; i++) {
                assertThat(ids[i]).as("position %d pads with \"!\"", i).isZero();
            }
            for (String scheduler : new String[] {null, "ddim", "euler", "euler-ancestral", "dpmpp-2m", "pndm"}) {
                RgbImage image = pipeline.generate(text, new GenerationParams(2, 7.5, 5, 64, 64, scheduler), 0,
                        GenerationControl.NONE, new Timings());
                assertThat(image.width()).as(String.valueOf(scheduler)).isEqualTo(64);
            }
        }
    }

    private static Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : paths.filter(Files::isRegularFile).toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                Files.createDirectories(target.getParent());
                Files.copy(p, target);
            }
        }
        return to;
    }
}
