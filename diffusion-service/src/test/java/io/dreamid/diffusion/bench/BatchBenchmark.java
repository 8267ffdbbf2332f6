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
 * UNet runs, as a worker with {@code workers=1} does. The others hand the K jobs in from K threads at once to a
 * {@link DenoiseBatcher}, as a worker with {@code workers=K} does:
 * <ul>
 * <li>"batched, 1 lane": max-images 8, every batch one UNet run;</li>
 * <li>"lanes, unbatched": max-images and lanes = the cores, so each job's image runs alone in its UNet runs but as
 * many at once as there are cores: what using the cores gives without batching;</li>
 * <li>"batched, lanes": max-images 8 split by job into as many UNet runs at once as there are cores (the CPU
 * worker's setting, README "Batching").</li>
 * </ul>
 * Each prints jobs per second and its ratio to one at a time; for the last also the process CPU time per job (on a
 * shared machine the steadier figure), the ratio of the denoising time alone, and the time a job waits for its batch
 * to form (queue ms/job: from handing in to its batch starting). Figures only, no assertions.
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
        int cores = Runtime.getRuntime().availableProcessors();
        GenerationParams params = new GenerationParams(steps, 7.5, 1, size, size, "euler");
        System.out.printf("bundle %s, %dx%d, %d steps, euler, guidance 7.5 (2 UNet samples per image), %d cores,"
                + " ONNX Runtime defaults, median of %d rounds%n", bundle.getFileName(), size, size, steps, cores,
                rounds);
        Duration wait = Duration.ofMillis(5);
        try (StableDiffusionPipeline pipeline = StableDiffusionPipeline.load(SdBundle.open(bundle),
                RuntimeOptions.CPU_DEFAULTS);
                DenoiseBatcher oneLane = new DenoiseBatcher(pipeline,
                        new DenoiseBatcher.Limits(8, wait, Long.MAX_VALUE, 1, 1));
                DenoiseBatcher unbatched = new DenoiseBatcher(pipeline,
                        new DenoiseBatcher.Limits(cores, wait, Long.MAX_VALUE, 1, cores));
                DenoiseBatcher lanes = new DenoiseBatcher(pipeline,
                        new DenoiseBatcher.Limits(8, wait, Long.MAX_VALUE, 1, cores))) {
            // Warm-up: JIT, ONNX Runtime's memory plans for the batch sizes measured.
            oneAtATime(pipeline, params, 1);
            for (int k : QUEUED) {
                for (DenoiseBatcher batcher : List.of(oneLane, unbatched, lanes)) {
                    batched(pipeline, batcher, params, k);
                }
            }
            System.out.printf("%2s %12s %24s %24s %24s %17s %7s %14s %13s%n", "K", "alone jobs/s",
                    "batched 1 lane (ratio)", "lanes unbatched (ratio)", "batched lanes (ratio)",
                    "cpu s/job alone/bl", "ratio", "denoise ratio", "queue ms/job");
            for (int k : QUEUED) {
                Run[][] runs = new Run[4][rounds];
                for (int r = 0; r < rounds; r++) {
                    // Rotated, so that changing load on the machine falls on all alike.
                    for (int v = 0; v < 4; v++) {
                        int variant = (v + r) % 4;
                        runs[variant][r] = switch (variant) {
                            case 0 -> oneAtATime(pipeline, params, k);
                            case 1 -> batched(pipeline, oneLane, params, k);
                            case 2 -> batched(pipeline, unbatched, params, k);
                            default -> batched(pipeline, lanes, params, k);
                        };
                    }
                }
                Run a = median(runs[0]);
                Run b1 = median(runs[1]);
                Run u = median(runs[2]);
                Run bl = median(runs[3]);
                System.out.printf("%2d %12.2f %24s %24s %24s %8.3f/%-8.3f %6.2fx %13.2fx %13.1f%n", k,
                        k / a.wallSeconds(), versus(k, a, b1), versus(k, a, u), versus(k, a, bl),
                        a.cpuNanos / 1e9 / k, bl.cpuNanos / 1e9 / k, a.cpuNanos / (double) bl.cpuNanos,
                        a.denoiseNanos / (double) bl.denoiseNanos, bl.queueNanos / 1e6 / k);
            }
        }
        System.exit(0);
    }

    private static String versus(int k, Run alone, Run other) {
        return String.format("%.2f (%.2fx)", k / other.wallSeconds(), alone.wallNanos / (double) other.wallNanos);
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
