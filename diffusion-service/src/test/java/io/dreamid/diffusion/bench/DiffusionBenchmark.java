package io.dreamid.diffusion.bench;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.image.Png;
import io.dreamid.common.image.RgbImage;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.diffusion.TinyBundles;
import io.dreamid.diffusion.bundle.SdBundle;
import io.dreamid.diffusion.onnx.RuntimeOptions;
import io.dreamid.diffusion.pipeline.GenerationControl;
import io.dreamid.diffusion.pipeline.GenerationParams;
import io.dreamid.diffusion.pipeline.IdentityEmbedding;
import io.dreamid.diffusion.pipeline.StableDiffusionPipeline;
import io.dreamid.diffusion.pipeline.TextConditioning;
import io.dreamid.diffusion.pipeline.Timings;
import io.dreamid.testsupport.EmbeddedS3;

import java.util.Map;

/**
 * Prints where the time goes with the tiny bundle: per denoising step, the UNet run versus the Java-side work
 * (guidance, scheduler step, buffer copies; wall time, and the thread's CPU time, which other load on the
 * machine does not inflate), at 64x64 latents (512x512 images) with guidance, for every
 * scheduler; then a whole job split into tokenize, encode text, denoise, decode, encode PNG and store (to a real
 * S3 server); then the identity overhead (issue 15): an identity job and a text-only job with the same prompt text,
 * size, steps, scheduler and seed, alternated, and the ratio of their diffusion-stage times. Figures only, no
 * assertions.
 *
 * <p>Run: {@code ./mvnw -pl diffusion-service test-compile exec:java} (arguments: steps, images per figure).
 */
public final class DiffusionBenchmark {
    private static final String PROMPT = "a photo of {id} as an astronaut on the moon, detailed, 35mm";

    private DiffusionBenchmark() {
    }

    /**
     * The identity overhead, DreamIdentity's "negligible" claim: the same job with the person's K words at
     * {@code {id}} and as plain text-to-image (the prompt with the placeholder left out), alternated so that machine
     * noise falls on both alike; the diffusion-stage time of a job is prompt encoding plus every image.
     */
    private static void identityOverhead(StableDiffusionPipeline pipeline, IdentityEmbedding identity, int steps,
            int images) {
        String plain = PROMPT.replace("{id} ", "");
        GenerationParams params = new GenerationParams(steps, 7.5, 11, 512, 512, "euler");
        int rounds = 6;
        long[] withIdentity = new long[rounds];
        long[] textOnly = new long[rounds];
        for (int round = -1; round < rounds; round++) {
            // Round -1 warms up both kinds.
            long a = diffusionJob(pipeline, PROMPT, identity, params, images);
            long b = diffusionJob(pipeline, plain, null, params, images);
            if (round >= 0) {
                withIdentity[round] = a;
                textOnly[round] = b;
            }
        }
        java.util.Arrays.sort(withIdentity);
        java.util.Arrays.sort(textOnly);
        double idMs = withIdentity[rounds / 2] / 1e6;
        double textMs = textOnly[rounds / 2] / 1e6;
        System.out.printf("%nidentity overhead: %d alternated pairs, 1 prompt x %d images, %d steps, euler, 512x512%n",
                rounds, images, steps);
        System.out.printf("  identity job   \"%s\": median %.1f ms%n", PROMPT, idMs);
        System.out.printf("  text-only job  \"%s\": median %.1f ms%n", plain, textMs);
        System.out.printf("  diffusion-stage time ratio identity/text-only: %.3f%n", idMs / textMs);
    }

    private static long diffusionJob(StableDiffusionPipeline pipeline, String prompt, IdentityEmbedding identity,
            GenerationParams params, int images) {
        long t0 = System.nanoTime();
        TextConditioning text = pipeline.encodePrompt(prompt, "", identity, true, new Timings());
        for (int i = 0; i < images; i++) {
            pipeline.generate(text, params, i, GenerationControl.NONE, new Timings());
        }
        return System.nanoTime() - t0;
    }

    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int images = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        float[] values = new float[2 * 32];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) Math.sin(i);
        }
        IdentityEmbedding identity = new IdentityEmbedding(values, 2, 32);
        System.out.printf("tiny SD1-like bundle, 512x512 images (64x64 latents), guidance 7.5 (UNet batch 2), %d steps,"
                + " %d cores, ONNX Runtime defaults%n", steps, Runtime.getRuntime().availableProcessors());
        try (StableDiffusionPipeline pipeline = StableDiffusionPipeline.load(SdBundle.open(TinyBundles.sd1()),
                RuntimeOptions.CPU_DEFAULTS)) {
            System.out.printf("%-16s %6s %13s %13s %17s %11s%n", "scheduler", "evals", "unet ms/step",
                    "java ms/step", "java cpu ms/step", "java share");
            for (String scheduler : new String[] {"ddim", "euler", "euler-ancestral", "dpmpp-2m", "pndm"}) {
                GenerationParams params = new GenerationParams(steps, 7.5, 1, 512, 512, scheduler);
                TextConditioning text = pipeline.encodePrompt(PROMPT, "", identity, true, new Timings());
                // Warm-up: JIT, ONNX Runtime's memory plan and arena.
                pipeline.generate(text, params, 0, GenerationControl.NONE, new Timings());
                Timings t = new Timings();
                for (int i = 0; i < images; i++) {
                    pipeline.generate(text, params, i, GenerationControl.NONE, t);
                }
                double evals = t.nanos(Timings.STEPS);
                double unet = t.nanos(Timings.UNET) / 1e6 / evals;
                double java = t.nanos(Timings.STEP_JAVA) / 1e6 / evals;
                double javaCpu = t.nanos(Timings.STEP_JAVA_CPU) / 1e6 / evals;
                System.out.printf("%-16s %6.0f %13.3f %13.3f %17.3f %10.1f%%%n", scheduler, evals / images, unet,
                        java, javaCpu, 100 * java / (unet + java));
            }

            ObjectStore store = EmbeddedS3.store();
            GenerationParams params = new GenerationParams(steps, 7.5, 7, 512, 512, null);
            String jobId = "bench-" + System.nanoTime();
            Timings job = new Timings();
            for (int round = 0; round < 2; round++) {
                // Round 0 warms up; round 1 is measured.
                job = new Timings();
                TextConditioning text = pipeline.encodePrompt(PROMPT, "blurry, low quality", identity, true, job);
                for (int i = 0; i < images; i++) {
                    RgbImage image = pipeline.generate(text, params, i, GenerationControl.NONE, job);
                    long t0 = System.nanoTime();
                    byte[] png = Png.encode(image, Map.of("prompt", PROMPT, "parameters", "benchmark"));
                    long t1 = System.nanoTime();
                    job.add(Timings.PNG, t1 - t0);
                    store.put(ObjectKeys.output(jobId, 0, i), png, "image/png");
                    job.add(Timings.STORE, System.nanoTime() - t1);
                }
            }
            System.out.printf("%nwhole job: 1 prompt x %d images, %d steps, bundle's scheduler (PNDM), 512x512%n",
                    images, steps);
            long total = 0;
            for (String stage : new String[] {Timings.TOKENIZE, Timings.TEXT_ENCODE, Timings.DENOISE, Timings.DECODE,
                    Timings.PNG, Timings.STORE}) {
                total += job.nanos(stage);
            }
            for (String stage : new String[] {Timings.TOKENIZE, Timings.TEXT_ENCODE, Timings.DENOISE, Timings.DECODE,
                    Timings.PNG, Timings.STORE}) {
                System.out.printf("  %-24s %10.2f ms %6.1f%%%n", stage, job.nanos(stage) / 1e6,
                        100.0 * job.nanos(stage) / total);
            }
            System.out.printf("  %-24s %10.2f ms%n", "total", total / 1e6);
            identityOverhead(pipeline, identity, steps, images);
        }
        System.exit(0);
    }
}
