package io.dreamid.trainer;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Every setting of a training run, each a named option of {@code ./dreamid train} (printed at start and written
 * into the training card).
 *
 * @param dataset         folder with {@code manifest.jsonl}
 * @param baseEncoder     encoder bundle to start from: its backbone (frozen) and its projector (the initial weights);
 *                        null: the built-in bundle (encoder-service's {@code BuiltInBundle}), written for the run
 * @param sdBundle        the ONNX serving bundle of the Stable Diffusion model
 * @param torchscript     its TorchScript twin ({@code twin.json}, three {@code .pt} files)
 * @param out             where the trained encoder bundle is written
 * @param checkpoints     where checkpoints are written and resumed from
 * @param steps           optimiser steps in all
 * @param batch           pairs per step
 * @param learningRate    peak learning rate
 * @param warmup          linear warm-up steps before the cosine decay
 * @param weightDecay     AdamW's decoupled weight decay
 * @param clipNorm        global gradient L2 norm limit
 * @param seed            seeds the data order, timesteps and noise (each step's draws depend on seed and step only)
 * @param checkpointEvery steps between checkpoints (one is always written at the end or at {@code stopAt})
 * @param stopAt          stop after this step with a checkpoint and no bundle (0: run to {@code steps}); a later run
 *                        with the same options resumes
 * @param version         the trained bundle's version; null derives {@code trained-<hash of the projector>}
 * @param logEvery        steps between progress lines
 */
public record TrainingOptions(Path dataset, Path baseEncoder, Path sdBundle, Path torchscript, Path out,
        Path checkpoints, int steps, int batch, double learningRate, int warmup, double weightDecay, double clipNorm,
        long seed, int checkpointEvery, int stopAt, String version, int logEvery) {

    public TrainingOptions {
        require(steps >= 1, "--steps must be at least 1");
        require(batch >= 1, "--batch must be at least 1");
        require(learningRate > 0, "--lr must be positive");
        require(warmup >= 0 && warmup <= steps, "--warmup must be between 0 and --steps");
        require(weightDecay >= 0, "--weight-decay must not be negative");
        require(clipNorm > 0, "--clip must be positive");
        require(checkpointEvery >= 1, "--checkpoint-every must be at least 1");
        require(stopAt >= 0 && stopAt <= steps, "--stop-at must be between 0 and --steps");
        require(logEvery >= 1, "--log-every must be at least 1");
        require(version == null || version.matches("[A-Za-z0-9._-]{1,64}"),
                "--version must be 1-64 of [A-Za-z0-9._-]");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new TrainerException(message);
        }
    }

    /** The options that shape the result (a resumed run must have the same), as printed and recorded. */
    public Map<String, Object> hyperParameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("steps", steps);
        p.put("batch", batch);
        p.put("learningRate", learningRate);
        p.put("warmup", warmup);
        p.put("schedule", "linear warm-up, then half cosine to 0");
        p.put("optimizer", "AdamW");
        p.put("beta1", Trainer.ADAM.beta1());
        p.put("beta2", Trainer.ADAM.beta2());
        p.put("eps", Trainer.ADAM.eps());
        p.put("weightDecay", weightDecay);
        p.put("clipNorm", clipNorm);
        p.put("seed", seed);
        return p;
    }

    String describe() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "dataset %s%nbase encoder %s%nSD bundle %s (TorchScript twin %s)%n"
                + "out %s, checkpoints %s every %d steps%n", dataset,
                baseEncoder != null ? baseEncoder : "the built-in bundle (dlib ResNet, untrained projector)", sdBundle,
                torchscript, out, checkpoints, checkpointEvery));
        hyperParameters().forEach((k, v) -> s.append("  ").append(k).append(" = ").append(v).append('\n'));
        return s.toString();
    }
}
