package io.dreamid.trainer;

import io.dreamid.common.storage.ObjectStore;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code ./dreamid train}: trains the M² projector on a dataset folder and writes an encoder bundle. Exit 0 when the
 * bundle is written (or the run stopped at {@code --stop-at} with a checkpoint), 2 for bad options or inputs (the
 * message says which), 1 for anything unexpected.
 */
public final class TrainerMain {
    private static final String USAGE = """
            Usage: ./dreamid train --dataset DIR --steps N --out DIR [options]
              --dataset DIR           folder with manifest.jsonl (trainer/README.md: the layout)
              --steps N               optimiser steps
              --out DIR               where the trained encoder bundle is written
              --encoder DIR           encoder bundle to start from (backbone + initial projector); default: the
                                      built-in bundle the encoder-service serves (dlib ResNet, reads the
                                      manifest's "chip"), written for the text encoder's width
              --sd DIR                Stable Diffusion ONNX bundle (tokenizer, scheduler)
              --torchscript DIR       its TorchScript twin (twin.json + text_encoder_embeds.pt, unet.pt, vae_encoder.pt)
              --checkpoints DIR       checkpoint folder (default: OUT-checkpoints); a run resumes from its latest
              --batch N               pairs per step (default 2)
              --lr X                  peak learning rate (default 1e-4)
              --warmup N              warm-up steps (default 10% of --steps)
              --weight-decay X        AdamW weight decay (default 0.01)
              --clip X                gradient norm limit (default 1.0)
              --seed N                seed of data order, timesteps and noise (default 0)
              --checkpoint-every N    steps between checkpoints (default 50)
              --stop-at K             stop after step K with a checkpoint (resume later with the same options)
              --version V             version of the trained bundle (default trained-<projector hash>)
              --log-every N           steps between progress lines (default 10)
              --run-id ID             also keep checkpoints in object storage under training/ID/ (and resume from
                                      there): DREAMID_STORAGE_ENDPOINT, _ACCESS_KEY, _SECRET_KEY, _BUCKET
            """;

    private TrainerMain() {
    }

    public static void main(String[] args) {
        int code;
        try {
            code = run(args);
        } catch (TrainerException e) {
            System.err.println("train: " + e.getMessage());
            code = 2;
        }
        System.exit(code);
    }

    static int run(String[] args) {
        if (args.length == 0 || List.of(args).contains("--help")) {
            System.out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        TrainingOptions options = parse(args);
        String runId = option(args, "--run-id");
        System.out.print(options.describe());
        try (Trainer trainer = Trainer.prepare(options, System.out)) {
            if (runId != null) {
                CheckpointMirror mirror = new CheckpointMirror(storeFromEnvironment(), runId);
                trainer.mirrorCheckpoints(mirror);
                System.out.println("checkpoints also in object storage under " + mirror.prefix());
            }
            trainer.resume();
            trainer.train();
            if (!trainer.finished()) {
                System.out.println("stopped at step " + options.stopAt() + "; checkpoint in " + options.checkpoints()
                        + " (run the same command without --stop-at to resume)");
                return 0;
            }
            String version = EncoderBundleWriter.write(trainer, options.out());
            System.out.println("wrote encoder bundle " + options.out() + " (version " + version + ")");
            return 0;
        }
    }

    static TrainingOptions parse(String[] args) {
        Map<String, String> values = new LinkedHashMap<>();
        List<String> known = new ArrayList<>(List.of("--dataset", "--steps", "--out", "--encoder", "--sd",
                "--torchscript", "--checkpoints", "--batch", "--lr", "--warmup", "--weight-decay", "--clip", "--seed",
                "--checkpoint-every", "--stop-at", "--version", "--log-every", "--run-id"));
        for (int i = 0; i < args.length; i++) {
            String key = args[i];
            if (!known.contains(key)) {
                throw new TrainerException("unknown option " + key + "\n" + USAGE);
            }
            if (i + 1 >= args.length) {
                throw new TrainerException(key + " needs a value");
            }
            values.put(key, args[++i]);
        }
        for (String required : List.of("--dataset", "--steps", "--out", "--sd", "--torchscript")) {
            if (!values.containsKey(required)) {
                throw new TrainerException("missing " + required + "\n" + USAGE);
            }
        }
        int steps = integer(values, "--steps", 0);
        Path out = Path.of(values.get("--out"));
        Path checkpoints = values.containsKey("--checkpoints") ? Path.of(values.get("--checkpoints"))
                : out.resolveSibling(out.getFileName() + "-checkpoints");
        Path encoder = values.containsKey("--encoder") ? Path.of(values.get("--encoder")) : null;
        return new TrainingOptions(Path.of(values.get("--dataset")), encoder,
                Path.of(values.get("--sd")), Path.of(values.get("--torchscript")), out, checkpoints, steps,
                integer(values, "--batch", 2), number(values, "--lr", 1e-4),
                integer(values, "--warmup", Math.max(1, steps / 10)), number(values, "--weight-decay", 0.01),
                number(values, "--clip", 1.0), seed(values),
                integer(values, "--checkpoint-every", 50), integer(values, "--stop-at", 0),
                values.get("--version"), integer(values, "--log-every", 10));
    }

    private static String option(String[] args, String key) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(key)) {
                return args[i + 1];
            }
        }
        return null;
    }

    /** The platform's storage, from the variables the services and the runner read (runner defaults). */
    private static ObjectStore storeFromEnvironment() {
        String endpoint = System.getenv("DREAMID_STORAGE_ENDPOINT");
        if (endpoint == null || endpoint.isBlank()) {
            throw new TrainerException("--run-id keeps checkpoints in object storage: set DREAMID_STORAGE_ENDPOINT"
                    + " (e.g. http://127.0.0.1:19000 for ./dreamid up's S3 server)");
        }
        ObjectStore store = new ObjectStore(endpoint, endpoint, env("DREAMID_STORAGE_ACCESS_KEY", "dreamid"),
                env("DREAMID_STORAGE_SECRET_KEY", "dreamid-secret"), env("DREAMID_STORAGE_BUCKET", "dreamid"),
                env("DREAMID_STORAGE_REGION", "us-east-1"));
        store.ensureBucket();
        return store;
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    private static int integer(Map<String, String> values, String key, int fallback) {
        return parsed(values, key, fallback, Integer::valueOf, "an integer");
    }

    private static long seed(Map<String, String> values) {
        return parsed(values, "--seed", 0L, Long::valueOf, "an integer");
    }

    private static double number(Map<String, String> values, String key, double fallback) {
        return parsed(values, key, fallback, Double::valueOf, "a number");
    }

    private static <T> T parsed(Map<String, String> values, String key, T fallback, Function<String, T> parser,
            String what) {
        String v = values.get(key);
        try {
            return v == null ? fallback : parser.apply(v);
        } catch (NumberFormatException e) {
            throw new TrainerException(key + " must be " + what + ", got \"" + v + "\"");
        }
    }
}
