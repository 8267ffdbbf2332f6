package io.dreamid.trainer;

import io.dreamid.common.tensors.FloatTensor;
import io.dreamid.common.tensors.Safetensors;
import io.dreamid.common.tensors.SafetensorsFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Checkpoints: {@code step-NNNNNNNN.safetensors} with the projector ({@code param/<name>}), AdamW's moments
 * ({@code adam_m/<name>}, {@code adam_v/<name>}) and the loss of every step so far ({@code losses}); metadata
 * {@code format}, {@code step} and the run's fingerprint (dataset hash, base encoder, hyper-parameters, model
 * hashes). The data order needs no saving: it is a function of seed and step. Written to a temporary file and moved,
 * so a run killed while writing leaves the previous checkpoint intact.
 */
final class Checkpoints {
    static final String FORMAT = "dreamid-trainer-checkpoint/1";

    private Checkpoints() {
    }

    record Restored(Path file, int step, float[][] params, float[][] m, float[][] v, float[] losses) {
    }

    /** Returns the file written. */
    static Path save(Path dir, int step, String fingerprint, TrainableProjector projector, float[][] m, float[][] v,
            float[] losses) {
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        int i = 0;
        for (Map.Entry<String, FloatTensor> e : projector.parameters().entrySet()) {
            long[] shape = e.getValue().shape();
            tensors.put("param/" + e.getKey(), e.getValue());
            tensors.put("adam_m/" + e.getKey(), new FloatTensor(shape, m[i]));
            tensors.put("adam_v/" + e.getKey(), new FloatTensor(shape, v[i]));
            i++;
        }
        tensors.put("losses", new FloatTensor(new long[] {losses.length}, losses));
        byte[] bytes = Safetensors.write(tensors, Map.of("format", FORMAT, "step", Integer.toString(step),
                "fingerprint", fingerprint));
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve(name(step) + ".tmp");
            Files.write(tmp, bytes);
            Path file = dir.resolve(name(step));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return file;
        } catch (IOException e) {
            throw new TrainerException("cannot write a checkpoint to " + dir + ": " + e.getMessage(), e);
        }
    }

    static String name(int step) {
        return String.format("step-%08d.safetensors", step);
    }

    /** The file name of the newest checkpoint in {@code dir}, if any. */
    static Optional<String> newestLocal(Path dir) {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.matches("step-\\d{8}\\.safetensors"))
                    .max(Comparator.naturalOrder());
        } catch (IOException e) {
            throw new TrainerException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The newest checkpoint of {@code dir}, or null when there is none; one of another run is refused.
     *
     * @param names the projector's parameter names, in its order
     */
    static Restored latest(Path dir, String fingerprint, List<String> names) {
        if (!Files.isDirectory(dir)) {
            return null;
        }
        Path file = newestLocal(dir).map(dir::resolve).orElse(null);
        if (file == null) {
            return null;
        }
        SafetensorsFile f = Safetensors.read(file);
        if (!FORMAT.equals(f.metadata().get("format"))) {
            throw new TrainerException(file + " is not a trainer checkpoint (" + FORMAT + ")");
        }
        if (!fingerprint.equals(f.metadata().get("fingerprint"))) {
            throw new TrainerException(file + " belongs to a run with other data, models or options; give another"
                    + " --checkpoints folder or delete it to start afresh.\n  checkpoint: "
                    + f.metadata().get("fingerprint") + "\n  this run:   " + fingerprint);
        }
        float[][] params = new float[names.size()][];
        float[][] m = new float[names.size()][];
        float[][] v = new float[names.size()][];
        for (int i = 0; i < names.size(); i++) {
            params[i] = f.floats("param/" + names.get(i));
            m[i] = f.floats("adam_m/" + names.get(i));
            v[i] = f.floats("adam_v/" + names.get(i));
        }
        return new Restored(file, Integer.parseInt(f.metadata().get("step")), params, m, v, f.floats("losses"));
    }
}
