package io.dreamid.diffusion.scheduler.bench;

import io.dreamid.diffusion.scheduler.GaussianNoise;
import io.dreamid.diffusion.scheduler.Scheduler;
import io.dreamid.diffusion.scheduler.SchedulerConfig;
import io.dreamid.diffusion.scheduler.Schedulers;
import io.dreamid.common.tokenizer.ClipTokenizer;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Prints the Java-side cost of the denoising loop's scheduler work (scaleModelInput + step) per step for
 * 4x64x64 latents (a 512x512 image), per scheduler, plus the noise generator and the tokenizer. Figures only,
 * no assertions. Run:
 * {@code ./mvnw -o -pl diffusion-service test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.dreamid.diffusion.scheduler.bench.SchedulerBenchmark}
 */
public final class SchedulerBenchmark {

    private static final int LATENTS = 4 * 64 * 64;
    private static final int STEPS = 20;
    private static final int RUNS = 60;

    private SchedulerBenchmark() {
    }

    public static void main(String[] args) {
        SchedulerConfig config = SchedulerConfig.stableDiffusion();
        System.out.printf("scheduler work per step, 4x64x64 latents, %d steps, median of %d runs%n", STEPS, RUNS);
        for (String name : Schedulers.NAMES) {
            double[] perStepMicros = new double[RUNS];
            for (int run = -RUNS; run < RUNS; run++) {
                double micros = runMicros(Schedulers.create(name, config));
                if (run >= 0) {
                    perStepMicros[run] = micros;
                }
            }
            Arrays.sort(perStepMicros);
            System.out.printf("  %-16s %7.1f us/step (p90 %7.1f us)%n", name, perStepMicros[RUNS / 2],
                    perStepMicros[RUNS * 9 / 10]);
        }

        float[] buffer = new float[LATENTS];
        GaussianNoise noise = new GaussianNoise(1);
        double[] noiseMicros = new double[200];
        for (int i = -200; i < 200; i++) {
            long start = System.nanoTime();
            noise.fill(buffer);
            if (i >= 0) {
                noiseMicros[i] = (System.nanoTime() - start) / 1e3;
            }
        }
        Arrays.sort(noiseMicros);
        System.out.printf("GaussianNoise.fill(%d): median %.1f us%n", LATENTS, noiseMicros[100]);

        if (args.length > 0) {
            ClipTokenizer tokenizer = ClipTokenizer.fromDirectory(Path.of(args[0]));
            String prompt = "a portrait photo of sks person, highly detailed, 85mm, golden hour, by greg rutkowski";
            long start = System.nanoTime();
            int n = 0;
            for (int i = 0; i < 20_000; i++) {
                // Distinct prompts so that the word cache does not hide the BPE cost entirely.
                n += tokenizer.encode(prompt + " variation" + (i % 500)).length();
            }
            System.out.printf("ClipTokenizer.encode: %.1f us/prompt (%d tokens total)%n",
                    (System.nanoTime() - start) / 1e3 / 20_000, n);
        }
    }

    /** Mean microseconds of scaleModelInput + step per step over one trajectory. */
    private static double runMicros(Scheduler scheduler) {
        scheduler.setTimesteps(STEPS);
        GaussianNoise noise = new GaussianNoise(7);
        float[] sample = noise.next(LATENTS);
        float[] modelOutput = new GaussianNoise(8).next(LATENTS);
        int steps = scheduler.timesteps().length;
        long elapsed = 0;
        for (int i = 0; i < steps; i++) {
            long start = System.nanoTime();
            float[] input = scheduler.scaleModelInput(sample, i);
            sample = scheduler.step(modelOutput, i, sample, noise);
            elapsed += System.nanoTime() - start;
            modelOutput[i] += input[i] * 1e-3f;
        }
        return elapsed / 1e3 / steps;
    }
}
