package io.dreamid.trainer;

import ai.djl.Device;
import ai.djl.engine.Engine;

import java.util.ArrayList;
import java.util.List;

/**
 * The devices of {@code --devices}: each batch is split across them, one shard per entry, each entry with its own
 * copy of the frozen modules and of the projector. {@code cpu}, {@code gpuN} (DJL's device names), comma-separated,
 * or {@code gpu:all} for every GPU libtorch sees (as CUDA_VISIBLE_DEVICES and the pod's {@code nvidia.com/gpu}
 * limit expose them). An entry may repeat ({@code cpu,cpu}: two shards on the CPU, each with its own modules), which
 * is how the sharding is tested on machines without a GPU.
 */
public final class TrainingDevices {
    static final String ALL_GPUS = "gpu:all";

    private TrainingDevices() {
    }

    /** The devices of {@code spec}, checked against the GPUs the PyTorch engine sees. */
    public static List<Device> resolve(String spec) {
        return parse(spec, Engine.getEngine("PyTorch").getGpuCount());
    }

    /**
     * The devices of {@code spec} on a machine where libtorch sees {@code gpuCount} GPUs (0 with the CPU build of
     * libtorch or without CUDA).
     */
    public static List<Device> parse(String spec, int gpuCount) {
        if (spec == null || spec.isBlank()) {
            throw new TrainerException("--devices needs a value: cpu, gpu0,gpu1, ... or " + ALL_GPUS);
        }
        List<Device> devices = new ArrayList<>();
        if (spec.trim().equals(ALL_GPUS)) {
            if (gpuCount == 0) {
                throw new TrainerException("--devices " + ALL_GPUS + ": libtorch sees no GPU here (no CUDA device,"
                        + " or the CPU build of libtorch); use --devices cpu, or run the GPU image on a GPU node");
            }
            for (int i = 0; i < gpuCount; i++) {
                devices.add(Device.gpu(i));
            }
            return devices;
        }
        for (String entry : spec.split(",", -1)) {
            String name = entry.trim();
            if (name.equals("cpu")) {
                devices.add(Device.cpu());
            } else if (name.matches("gpu\\d{1,3}")) {
                int id = Integer.parseInt(name.substring(3));
                if (id >= gpuCount) {
                    throw new TrainerException("--devices " + spec + ": " + name + " does not exist: libtorch sees "
                            + (gpuCount == 0 ? "no GPU here (no CUDA device, or the CPU build of libtorch)"
                                    : gpuCount + " GPU(s), gpu0 to gpu" + (gpuCount - 1)));
                }
                devices.add(Device.gpu(id));
            } else {
                throw new TrainerException("--devices " + spec + ": \"" + name + "\" is not a device; give cpu, gpuN"
                        + " (comma-separated, e.g. gpu0,gpu1) or " + ALL_GPUS);
            }
        }
        return devices;
    }

    /** Printed at start: the devices and how a batch of {@code batch} pairs splits over them. */
    static String describe(List<Device> devices, int batch) {
        StringBuilder s = new StringBuilder("devices");
        int[] sizes = shardSizes(batch, devices.size());
        for (int i = 0; i < devices.size(); i++) {
            s.append(i == 0 ? " " : ", ").append(devices.get(i)).append(" (").append(sizes[i]).append(" pairs)");
        }
        return s.append('\n').toString();
    }

    /**
     * Pairs per shard: {@code batch} split into {@code shards} contiguous parts as even as possible, the first ones
     * one larger. Every shard needs a pair, so the batch must be at least the number of devices.
     */
    static int[] shardSizes(int batch, int shards) {
        if (batch < shards) {
            throw new TrainerException("--batch " + batch + " is smaller than the " + shards + " devices of --devices:"
                    + " every device needs at least one pair per step; give --batch " + shards + " or more");
        }
        int[] sizes = new int[shards];
        for (int i = 0; i < shards; i++) {
            sizes[i] = batch / shards + (i < batch % shards ? 1 : 0);
        }
        return sizes;
    }
}
