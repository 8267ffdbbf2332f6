package io.dreamid.trainer;

import ai.djl.Device;
import io.dreamid.common.models.ModelsImport;
import io.dreamid.common.storage.ObjectStore;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code ./dreamid train}: trains the M² projector on a dataset folder and writes an encoder bundle. Exit 0 when the
 * bundle is written (or the run stopped at {@code --stop-at} with a checkpoint), 2 for bad options or inputs (the
 * message says which), 1 for anything unexpected.
 */
public final class TrainerMain {
    private static final String USAGE = """
            Usage: ./dreamid train --dataset DIR --steps N --out DIR [options]
              --dataset DIR           folder with manifest.jsonl (trainer/README.md: the layout)
              --dataset-id ID         instead of (or into) --dataset: the dataset build datasets/ID/ from object
                                      storage, copied to --dataset (default: datasets/ID beside --out)
              --steps N               optimiser steps
              --out DIR               where the trained encoder bundle is written
              --encoder DIR           encoder bundle to start from (backbone + initial projector); default: the
                                      built-in bundle the encoder-service serves (dlib ResNet, reads the
                                      manifest's "chip"), written for the text encoder's width
              --sd DIR                Stable Diffusion ONNX bundle (tokenizer, scheduler)
              --torchscript DIR       its TorchScript twin (twin.json + text_encoder_embeds.pt, unet.pt, vae_encoder.pt)
                                      (--encoder, --sd, --torchscript also take storage:PREFIX, e.g.
                                      storage:models/sd15/1/: a bundle in object storage, fetched beside --out)
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
              --devices LIST          where each batch runs, split across the entries: cpu (default), gpu0,gpu1,...,
                                      or gpu:all (every GPU of the node); an entry may repeat (cpu,cpu)
              --run-id ID             also keep checkpoints in object storage under training/ID/ (and resume from
                                      there): DREAMID_STORAGE_ENDPOINT, _ACCESS_KEY, _SECRET_KEY, _BUCKET
              --publish NAME/VERSION  then import the trained bundle as `models import --encoder` does: checked by
                                      encoder-service's loader, uploaded to models/NAME/VERSION/
            """;

    private TrainerMain() {
    }

    public static void main(String[] args) {
        int code;
        try {
            code = run(args, System::getenv);
        } catch (TrainerException e) {
            System.err.println("train: " + e.getMessage());
            code = 2;
        }
        System.exit(code);
    }

    /** Runs a command line with {@code env} as the environment (the storage settings); returns the exit status. */
    static int run(String[] args, Function<String, String> env) {
        if (args.length == 0 || List.of(args).contains("--help")) {
            System.out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        String runId = option(args, "--run-id");
        // checked first: a device that does not exist is refused before anything is downloaded or prepared
        List<Device> devices = devices(args);
        ObjectStore[] store = new ObjectStore[1];
        Supplier<ObjectStore> storage = () -> store[0] == null ? store[0] = storeFromEnvironment(env) : store[0];
        if (StorageInputs.any(args)) {
            Path out = parse(args).out();
            args = StorageInputs.fetchModels(args, storage, out.toAbsolutePath().resolveSibling("storage"));
        }
        TrainingOptions options = parse(args);
        String datasetId = option(args, "--dataset-id");
        if (datasetId != null) {
            StorageInputs.fetchDataset(storage.get(), datasetId, options.dataset());
            System.out.println("dataset " + datasetId + " copied from object storage to " + options.dataset());
        }
        String publish = option(args, "--publish");
        System.out.print(options.describe());
        System.out.print(TrainingDevices.describe(devices, options.batch()));
        try (Trainer trainer = Trainer.prepare(options, devices, System.out)) {
            if (runId != null) {
                CheckpointMirror mirror = new CheckpointMirror(storage.get(), runId);
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
            return publish == null ? 0 : publish(options.out(), publish, env);
        }
    }

    /** {@code models import --encoder OUT --name NAME --version VERSION}, with the trainer's storage settings. */
    private static int publish(Path bundle, String nameAndVersion, Function<String, String> env) {
        String[] parts = nameAndVersion.split("/", -1);
        int exit = ModelsImport.run(new String[] {"--encoder", bundle.toString(), "--name", parts[0], "--version",
                parts[1]}, env, System.out, System.err);
        if (exit != 0) {
            System.err.println("train: the bundle is written to " + bundle + " but was not imported (models import"
                    + " exit " + exit + "); import it by hand with ./dreamid models import --encoder " + bundle);
        }
        return exit;
    }

    /**
     * The options of a {@code ./dreamid train} command line (what the Kubernetes Job's arguments are checked with);
     * throws {@link TrainerException} naming the first option that is unknown, missing or malformed.
     */
    static TrainingOptions parse(String[] args) {
        Map<String, String> values = new LinkedHashMap<>();
        List<String> known = new ArrayList<>(List.of("--dataset", "--steps", "--out", "--encoder", "--sd",
                "--torchscript", "--checkpoints", "--batch", "--lr", "--warmup", "--weight-decay", "--clip", "--seed",
                "--checkpoint-every", "--stop-at", "--version", "--log-every", "--run-id", "--devices",
                "--dataset-id", "--publish"));
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
        if (values.containsKey("--publish") && !values.get("--publish").matches("[A-Za-z0-9][A-Za-z0-9._-]{0,127}"
                + "/[A-Za-z0-9][A-Za-z0-9._-]{0,127}")) {
            throw new TrainerException("--publish must be NAME/VERSION (letters, digits, . _ -), got \""
                    + values.get("--publish") + "\"");
        }
        Path out = Path.of(values.getOrDefault("--out", "."));
        if (!values.containsKey("--dataset") && values.containsKey("--dataset-id")) {
            values.put("--dataset", out.toAbsolutePath().resolveSibling("datasets").resolve(values.get("--dataset-id"))
                    .toString());
        }
        for (String required : List.of("--dataset", "--steps", "--out", "--sd", "--torchscript")) {
            if (!values.containsKey(required)) {
                throw new TrainerException("missing " + required + "\n" + USAGE);
            }
        }
        int steps = integer(values, "--steps", 0);
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

    /** The devices of {@code --devices} (default: the CPU), checked against the GPUs libtorch sees. */
    static List<Device> devices(String[] args) {
        String spec = option(args, "--devices");
        return TrainingDevices.resolve(spec == null ? "cpu" : spec);
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
    static ObjectStore storeFromEnvironment(Function<String, String> env) {
        String endpoint = env.apply("DREAMID_STORAGE_ENDPOINT");
        if (endpoint == null || endpoint.isBlank()) {
            throw new TrainerException("--run-id, --dataset-id, --publish and storage: inputs use object storage: set"
                    + " DREAMID_STORAGE_ENDPOINT (./dreamid train sets it to the local platform's S3 server)");
        }
        ObjectStore store = new ObjectStore(endpoint, endpoint, env(env, "DREAMID_STORAGE_ACCESS_KEY", "dreamid"),
                env(env, "DREAMID_STORAGE_SECRET_KEY", "dreamid-secret"), env(env, "DREAMID_STORAGE_BUCKET", "dreamid"),
                env(env, "DREAMID_STORAGE_REGION", "us-east-1"));
        store.ensureBucket();
        return store;
    }

    private static String env(Function<String, String> env, String name, String fallback) {
        String v = env.apply(name);
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
