package io.dreamid.diffusion.pipeline;

import io.dreamid.common.image.Png;
import io.dreamid.common.image.RgbImage;
import io.dreamid.diffusion.TinyBundles;
import io.dreamid.diffusion.bundle.SdBundle;
import io.dreamid.diffusion.onnx.RuntimeOptions;
import io.dreamid.diffusion.scheduler.Schedulers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Images denoised together (one UNet run per step for all of them) are the images each makes alone with its seed:
 * the same final latents bit for bit, the same RGB bytes and the same PNG bytes, for 1, 2 and 4 images of a prompt,
 * for every scheduler, unguided, and for images of two jobs with different prompts and settings in one batch; and a
 * job cancelled in the middle of a shared batch stops alone while the other job's images are unchanged.
 */
class BatchedGenerationTest {
    private static final String PROMPT = "a photo of {id} riding a bicycle";
    private static final Map<String, String> CHUNKS = Map.of("prompt", PROMPT);
    private static StableDiffusionPipeline pipeline;
    private static IdentityEmbedding identity;

    @BeforeAll
    static void load() {
        pipeline = StableDiffusionPipeline.load(SdBundle.open(TinyBundles.realArchitecture()),
                RuntimeOptions.CPU_DEFAULTS);
        float[] words = new float[2 * pipeline.textWidth()];
        for (int i = 0; i < words.length; i++) {
            words[i] = (float) Math.sin(i * 0.37) * 0.02f;
        }
        identity = new IdentityEmbedding(words, 2, pipeline.textWidth());
    }

    @AfterAll
    static void close() {
        pipeline.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void imagesOfAPromptTogetherEqualEachAlone(int images) {
        GenerationParams p = new GenerationParams(6, 7.5, 41, 128, 128, "pndm");
        TextConditioning text = pipeline.encodePrompt(PROMPT, "blurry", identity, true, new Timings());
        List<ImageRun> together = runs(text, p, IntStream.range(0, images).toArray(), GenerationControl.NONE);
        pipeline.denoise(together);
        for (ImageRun run : together) {
            assertSameAsAlone(run, text);
        }
        // What the service's generateAll makes is the same too.
        List<RgbImage> all = pipeline.generateAll(text, p, IntStream.range(0, images).toArray(),
                GenerationControl.NONE, new Timings());
        assertThat(all.get(images - 1).rgb()).isEqualTo(pipeline.decode(together.get(images - 1)).rgb());
    }

    @Test
    void everySchedulerAndUnguidedBatchesAlike() {
        for (String scheduler : Schedulers.NAMES) {
            GenerationParams p = new GenerationParams(5, 7.5, 7, 64, 64, scheduler);
            TextConditioning text = pipeline.encodePrompt(PROMPT, "", identity, true, new Timings());
            List<ImageRun> together = runs(text, p, new int[] {0, 1, 2}, GenerationControl.NONE);
            pipeline.denoise(together);
            for (ImageRun run : together) {
                assertSameAsAlone(run, text);
            }
        }
        GenerationParams unguided = new GenerationParams(5, 1.0, 7, 64, 64, "euler-ancestral");
        TextConditioning text = pipeline.encodePrompt("a lighthouse at dusk", "", null, false, new Timings());
        List<ImageRun> together = runs(text, unguided, new int[] {0, 1}, GenerationControl.NONE);
        pipeline.denoise(together);
        for (ImageRun run : together) {
            assertSameAsAlone(run, text);
        }
    }

    @Test
    void twoJobsInOneBatchGetTheirOwnImages() {
        GenerationParams a = new GenerationParams(6, 7.5, 100, 128, 128, "euler");
        GenerationParams b = new GenerationParams(6, 1.0, 9, 128, 128, "euler");
        TextConditioning textA = pipeline.encodePrompt(PROMPT, "", identity, true, new Timings());
        TextConditioning textB = pipeline.encodePrompt("a lighthouse at dusk", "", null, false, new Timings());
        List<ImageRun> batch = new ArrayList<>(runs(textA, a, new int[] {0, 1}, GenerationControl.NONE));
        batch.addAll(runs(textB, b, new int[] {0, 1, 2}, GenerationControl.NONE));
        pipeline.denoise(batch);
        for (ImageRun run : batch) {
            assertSameAsAlone(run, run.text);
        }
    }

    @Test
    void cancellingOneJobOfABatchStopsOnlyThatJob() {
        GenerationParams p = new GenerationParams(8, 7.5, 5, 64, 64, "dpmpp-2m");
        TextConditioning text = pipeline.encodePrompt(PROMPT, "", identity, true, new Timings());
        CancelAfter cancelled = new CancelAfter(3);
        List<ImageRun> stopped = runs(text, p, new int[] {0, 1}, cancelled);
        List<ImageRun> kept = runs(text, new GenerationParams(8, 7.5, 77, 64, 64, "dpmpp-2m"), new int[] {0, 1},
                GenerationControl.NONE);
        List<ImageRun> batch = new ArrayList<>(stopped);
        batch.addAll(kept);
        pipeline.denoise(batch);

        assertThat(stopped).allSatisfy(run -> assertThat(run.cancelled()).isTrue());
        assertThat(cancelled.steps).isEqualTo(3 * 2);
        assertThatThrownBy(() -> pipeline.decode(stopped.get(0))).isInstanceOf(GenerationCancelledException.class)
                .hasMessageContaining("before step 4 of 8");
        for (ImageRun run : kept) {
            assertThat(run.denoised()).isTrue();
            assertSameAsAlone(run, text);
        }
    }

    private static List<ImageRun> runs(TextConditioning text, GenerationParams p, int[] indices,
            GenerationControl control) {
        List<ImageRun> runs = new ArrayList<>();
        for (int i : indices) {
            runs.add(pipeline.prepare(text, p, i, control, new Timings()));
        }
        return runs;
    }

    /** The image alone (a UNet batch of its own samples only) against the batched run: latents, RGB and PNG. */
    private static void assertSameAsAlone(ImageRun batched, TextConditioning text) {
        ImageRun alone = pipeline.prepare(text, batched.params(), batched.imageIndex(), GenerationControl.NONE,
                new Timings());
        pipeline.denoise(List.of(alone));
        String what = batched.params() + " image " + batched.imageIndex();
        assertThat(batched.latents).as("latents of " + what).isEqualTo(alone.latents);
        RgbImage a = pipeline.decode(alone);
        RgbImage b = pipeline.decode(batched);
        assertThat(b.rgb()).as("pixels of " + what).isEqualTo(a.rgb());
        assertThat(Png.encode(b, CHUNKS)).as("PNG of " + what).isEqualTo(Png.encode(a, CHUNKS));
    }

    /** A job's control that turns cancelled after a number of its steps. */
    private static final class CancelAfter implements GenerationControl {
        private final int stepsPerImage;
        private int steps;

        CancelAfter(int stepsPerImage) {
            this.stepsPerImage = stepsPerImage;
        }

        @Override
        public boolean cancelled() {
            return steps >= 2 * stepsPerImage;
        }

        @Override
        public void stepDone(int done, int total) {
            steps++;
        }
    }
}
