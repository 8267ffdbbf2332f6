package io.dreamid.diffusion.bench;

import io.dreamid.diffusion.TinyBundles;
import io.dreamid.diffusion.onnx.RuntimeOptions;
import io.dreamid.diffusion.onnx.UnetSession;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Why a CPU worker's batches run in lanes (README "Batching"): the time of one UNet run per sample, by batch size
 * (samples: 2 per guided image), with ONNX Runtime's intra-op threads left to ONNX Runtime (0), set to 1 and set to the
 * cores; and the same batches run as {@code cores} runs at once on as many threads, one intra-op thread each (the
 * lanes). Uses the service's own {@link UnetSession} (pinned buffers, the bundle's input conventions) on random
 * inputs. Figures only, no assertions.
 *
 * <p>Run: {@code java -cp ... io.dreamid.diffusion.bench.UnetThreadsBenchmark [latent size] [bundle folder]}
 * (defaults 8 = 64x64 images, the built-in tiny bundle).
 */
public final class UnetThreadsBenchmark {
    private static final int[] SAMPLES = {2, 4, 8, 16};
    private static final int RUNS = 20;
    private static final int ROUNDS = 5;

    private UnetThreadsBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int latent = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        Path bundle = args.length > 1 ? Path.of(args[1]) : TinyBundles.realArchitecture();
        int cores = Runtime.getRuntime().availableProcessors();
        Path model = bundle.resolve("unet").resolve("model.onnx");
        System.out.printf("UNet of %s, %dx%d latents, %d cores; ms per sample, best of %d rounds of %d runs%n",
                bundle.getFileName(), latent, latent, cores, ROUNDS, RUNS);
        System.out.printf("%-38s", "samples per run");
        for (int s : SAMPLES) {
            System.out.printf("%9d", s);
        }
        System.out.println();
        for (int threads : new int[] {0, 1, cores}) {
            try (UnetSession unet = new UnetSession(model, options(threads))) {
                System.out.printf("%-38s", "one run, intra-op threads " + threads + (threads == 0 ? " (ORT's)" : ""));
                for (int s : SAMPLES) {
                    System.out.printf("%9.3f", perSample(unet, latent, s, 1, null));
                }
                System.out.println();
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(cores);
        try (UnetSession unet = new UnetSession(model, options(1))) {
            System.out.printf("%-38s", cores + " runs at once, 1 thread each");
            for (int s : SAMPLES) {
                System.out.printf("%9.3f", perSample(unet, latent, s, cores, pool));
            }
            System.out.println();
        } finally {
            pool.shutdownNow();
        }
        System.exit(0);
    }

    private static RuntimeOptions options(int intraOpThreads) {
        RuntimeOptions d = RuntimeOptions.CPU_DEFAULTS;
        return new RuntimeOptions(d.device(), d.deviceId(), intraOpThreads, d.interOpThreads(), d.optimization(),
                d.memoryArena(), d.parallel(), d.spinWait());
    }

    /** Milliseconds per sample of runs of {@code samples} samples, {@code lanes} of them at once. */
    private static double perSample(UnetSession unet, int latent, int samples, int lanes, ExecutorService pool)
            throws Exception {
        List<UnetSession.Call> calls = new ArrayList<>();
        Random random = new Random(samples);
        int sequence = 77;
        int n = 4 * latent * latent;
        float[] latents = new float[n];
        for (int i = 0; i < n; i++) {
            latents[i] = (float) random.nextGaussian();
        }
        try {
            for (int l = 0; l < lanes; l++) {
                float[] context = new float[samples * sequence * unet.contextWidth()];
                for (int i = 0; i < context.length; i++) {
                    context[i] = (float) random.nextGaussian();
                }
                calls.add(unet.begin(samples, latent, latent, context, sequence));
            }
            float[][] predictions = new float[lanes][samples * n];
            long best = Long.MAX_VALUE;
            for (int round = -1; round < ROUNDS; round++) {
                long t0 = System.nanoTime();
                List<Future<Void>> others = new ArrayList<>();
                for (int l = 1; l < lanes; l++) {
                    int lane = l;
                    Callable<Void> task = () -> {
                        for (int r = 0; r < RUNS; r++) {
                            calls.get(lane).run(latents, samples, 500, predictions[lane]);
                        }
                        return null;
                    };
                    others.add(pool.submit(task));
                }
                for (int r = 0; r < RUNS; r++) {
                    calls.get(0).run(latents, samples, 500, predictions[0]);
                }
                for (Future<Void> other : others) {
                    other.get();
                }
                // Round -1 warms up (memory plans for this batch size).
                if (round >= 0) {
                    best = Math.min(best, System.nanoTime() - t0);
                }
            }
            return best / 1e6 / RUNS / (samples * (double) lanes);
        } finally {
            for (UnetSession.Call call : calls) {
                call.close();
            }
        }
    }
}
