package io.dreamid.diffusion.bench;

import io.dreamid.common.image.Png;
import io.dreamid.common.image.RgbImage;
import io.dreamid.diffusion.TinyBundles;
import io.dreamid.diffusion.bundle.SdBundle;
import io.dreamid.diffusion.onnx.RuntimeOptions;
import io.dreamid.diffusion.pipeline.DenoiseBatcher;
import io.dreamid.diffusion.pipeline.GenerationControl;
import io.dreamid.diffusion.pipeline.GenerationParams;
import io.dreamid.diffusion.pipeline.ImageRun;
import io.dreamid.diffusion.pipeline.StableDiffusionPipeline;
import io.dreamid.diffusion.pipeline.TextConditioning;
import io.dreamid.diffusion.pipeline.Timings;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Throughput of K queued jobs (K = 1, 2, 4, 8) through one worker, batched against one at a time (issue 18). A job
 * is 1 prompt x 1 image: encode the prompt, denoise, decode, encode the PNG (storage is left out: it is I/O that
 * batching does not touch). "One at a time" runs the K jobs one after another on one thread, each image alone in its
 * UNet runs, as a worker with {@code workers=1} does; "batched" hands the K jobs in from K threads at once to a
 * {@link DenoiseBatcher} (max-images 8, max-wait 5 ms, no memory limit), as a worker with {@code workers=K} does.
 * Prints jobs per second of both and their ratio, the process CPU time per job of both and their ratio (on a shared
 * machine the steadier figure), the ratio of the denoising time alone, and the time a job waits for
 * its batch to form (queue ms/job: from handing in to its batch starting). Figures only, no assertions.
 *
 * <p>Run: {@code java -cp ... io.dreamid.diffusion.bench.BatchBenchmark [steps] [size] [bundle folder] [rounds]}
 * (defaults 20, 512, the built-in tiny bundle, 5); see the README's "Figures".
 */
public final class BatchBenchmark {
    private static final int[] QUEUED = {1, 2, 4, 8};
    /**
     * The process's CPU time: on a machine shared with other work the wall figures move with the others' load, the
     * CPU a job costs much less.
     */
    private static final com.sun.management.OperatingSystemMXBean CPU =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private BatchBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 512;
        Path bundle = args.length > 2 ? Path.of(args[2]) : TinyBundles.realArchitecture();
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        GenerationParams params = new GenerationParams(steps, 7.5, 1, size, size, "euler");
        System.out.printf("bundle %s, %dx%d, %d steps, euler, guidance 7.5 (2 UNet samples per image), %d cores,"
                + " ONNX Runtime defaults, median of %d rounds%n", bundle.getFileName(), size, size, steps,
                Runtime.getRuntime().availableProcessors(), rounds);
        try (StableDiffusionPipeline pipeline = StableDiffusionPipeline.load(SdBundle.open(bundle),
                RuntimeOptions.CPU_DEFAULTS);
                DenoiseBatcher batcher = new DenoiseBatcher(pipeline, new DenoiseBatcher.Limits(8,
                        Duration.ofMillis(5), Long.MAX_VALUE, 1))) {
            // Warm-up: JIT, ONNX Runtime's memory plans for the batch sizes measured.
            oneAtATime(pipeline, params, 1);
            for (int k : QUEUED) {
                batched(pipeline, batcher, params, k);
            }
            System.out.printf("%2s %13s %15s %7s %14s %16s %7s %17s %13s%n", "K", "alone jobs/s", "batched jobs/s",
                    "ratio", "alone cpu s/job", "batched cpu s/job", "ratio", "denoise wall ratio", "queue ms/job");
            for (int k : QUEUED) {
                Run[] alone = new Run[rounds];
                Run[] together = new Run[rounds];
                for (int r = 0; r < rounds; r++) {
                    // Alternated, and in both orders, so that changing load on the machine falls on both alike.
                    if (r % 2 == 0) {
                        alone[r] = oneAtATime(pipeline, params, k);
                        together[r] = batched(pipeline, batcher, params, k);
                    } else {
                        together[r] = batched(pipeline, batcher, params, k);
                        alone[r] = oneAtATime(pipeline, params, k);
                    }
                }
                Run a = median(alone);
                Run b = median(together);
                System.out.printf("%2d %13.2f %15.2f %6.2fx %14.3f %16.3f %6.2fx %16.2fx %13.1f%n", k,
                        k / a.wallSeconds(), k / b.wallSeconds(), a.wallNanos / (double) b.wallNanos,
                        a.cpuNanos / 1e9 / k, b.cpuNanos / 1e9 / k, a.cpuNanos / (double) b.cpuNanos,
                        a.denoiseNanos / (double) b.denoiseNanos, b.queueNanos / 1e6 / k);
            }
        }
        System.exit(0);
    }

    /** K jobs one after another, each image alone. */
    private static Run oneAtATime(StableDiffusionPipeline pipeline, GenerationParams params, int k) {
        long cpu0 = CPU.getProcessCpuTime();
        long t0 = System.nanoTime();
        long denoise = 0;
        for (int j = 0; j < k; j++) {
            Timings timings = new Timings();
            TextConditioning text = pipeline.encodePrompt(prompt(j), "", null, true, timings);
            ImageRun run = pipeline.prepare(text, params, 0, GenerationControl.NONE, timings);
            pipeline.denoise(List.of(run));
            png(pipeline.decode(run));
            denoise += timings.nanos(Timings.DENOISE);
        }
        return new Run(System.nanoTime() - t0, CPU.getProcessCpuTime() - cpu0, denoise, 0);
    }

    /** K jobs handed in at once from K threads; the denoising time is the batches' wall time, counted once. */
    private static Run batched(StableDiffusionPipeline pipeline, DenoiseBatcher batcher, GenerationParams params,
            int k) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(k);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<long[]>> jobs = new ArrayList<>();
            for (int j = 0; j < k; j++) {
                int job = j;
                // Registered up front, as the stage's worker threads are while they read and encode.
                DenoiseBatcher.Job registered = batcher.job();
                jobs.add(threads.submit(() -> {
                    try (registered) {
                        start.await();
                        Timings timings = new Timings();
                        TextConditioning text = pipeline.encodePrompt(prompt(job), "", null, true, timings);
                        ImageRun run = pipeline.prepare(text, params, 0, GenerationControl.NONE, timings);
                        long d0 = System.nanoTime();
                        batcher.denoise(List.of(run));
                        long d1 = System.nanoTime();
                        png(pipeline.decode(run));
                        return new long[] {d0, d1, timings.nanos(Timings.QUEUE)};
                    }
                }));
            }
            long cpu0 = CPU.getProcessCpuTime();
            long t0 = System.nanoTime();
            start.countDown();
            long first = Long.MAX_VALUE;
            long last = 0;
            long queue = 0;
            for (Future<long[]> f : jobs) {
                long[] r = f.get();
                first = Math.min(first, r[0]);
                last = Math.max(last, r[1]);
                queue += r[2];
            }
            return new Run(System.nanoTime() - t0, CPU.getProcessCpuTime() - cpu0, last - first, queue);
        } finally {
            threads.shutdownNow();
        }
    }

    private static String prompt(int job) {
        return "a photo of a lighthouse number " + job + " at dusk, detailed";
    }

    private static byte[] png(RgbImage image) {
        return Png.encode(image, Map.of("prompt", "benchmark"));
    }

    private static Run median(Run[] runs) {
        Run[] sorted = runs.clone();
        Arrays.sort(sorted, (x, y) -> Long.compare(x.wallNanos, y.wallNanos));
        return sorted[sorted.length / 2];
    }

    private record Run(long wallNanos, long cpuNanos, long denoiseNanos, long queueNanos) {
        double wallSeconds() {
            return wallNanos / 1e9;
        }
    }
}
