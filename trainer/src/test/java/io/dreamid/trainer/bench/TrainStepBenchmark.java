package io.dreamid.trainer.bench;

import io.dreamid.trainer.Trainer;
import io.dreamid.trainer.TrainingDevices;
import io.dreamid.trainer.TrainingRuns;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Time and memory of a training step on the tiny models (batch 2: projector, text encoder and UNet forward and
 * backward, clipping, AdamW), after 5 warm-up steps. Prints figures; asserts nothing. Args: [steps] (default 30).
 * {@code -Dtrainer.devices=cpu,cpu} splits each batch over those devices ({@code --devices}).
 * Run: DNNL_MAX_CPU_ISA=SSE41 ./mvnw -pl trainer -am test-compile exec:java -Dbench=trainer
 */
public final class TrainStepBenchmark {
    private TrainStepBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        Path work = Files.createTempDirectory("dreamid-train-bench");
        long t0 = System.nanoTime();
        String devices = System.getProperty("trainer.devices", "cpu");
        try (Trainer trainer = Trainer.prepare(TrainingRuns.tiny(work, steps + 5, 1e-4, 1_000_000, 0),
                TrainingDevices.parse(devices, 0), System.out)) {
            long prepared = System.nanoTime();
            for (int s = 0; s < 5; s++) {
                trainer.step(s, 1e-4);
            }
            double[] ms = new double[steps];
            for (int s = 0; s < steps; s++) {
                long a = System.nanoTime();
                trainer.step(5 + s, 1e-4);
                ms[s] = (System.nanoTime() - a) / 1e6;
            }
            Arrays.sort(ms);
            Runtime rt = Runtime.getRuntime();
            System.out.printf(Locale.ROOT, "prepare (load models, backbone features, VAE latents of %d pairs): %.0f ms%n",
                    trainer.examples().size(), (prepared - t0) / 1e6);
            System.out.printf(Locale.ROOT, "training step, batch 2, devices %s, libtorch threads %s: median %.1f ms,"
                    + " p90 %.1f ms, min %.1f ms over %d steps%n", devices,
                    System.getProperty("ai.djl.pytorch.num_threads", "default"), ms[steps / 2], ms[(int) (steps * 0.9)], ms[0], steps);
            System.out.printf(Locale.ROOT, "memory: Java heap used %.0f MB; process %s%n",
                    (rt.totalMemory() - rt.freeMemory()) / 1e6, processMemory());
        }
    }

    private static String processMemory() throws IOException {
        StringBuilder s = new StringBuilder();
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS") || line.startsWith("VmHWM")) {
                s.append(line.replaceAll("\\s+", " ")).append("; ");
            }
        }
        return s.toString();
    }
}
