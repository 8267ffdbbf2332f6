package io.dreamid.diffusion.onnx;

import java.util.Set;

/**
 * How the ONNX Runtime sessions run.
 *
 * @param device          {@code cpu} or {@code cuda}
 * @param deviceId        CUDA device number (cuda only)
 * @param intraOpThreads  threads inside one operator; 0 lets ONNX Runtime choose (one per physical core)
 * @param interOpThreads  threads across independent operators (parallel execution only); 0 lets it choose
 * @param optimization    graph optimisation level: {@code none}, {@code basic}, {@code extended} or {@code all}
 * @param memoryArena     whether the CPU memory arena is on (faster repeated runs, memory is kept)
 * @param parallel        whether independent operators may run in parallel (ExecutionMode.PARALLEL)
 * @param spinWait        whether ONNX Runtime's pool threads spin between operators instead of sleeping: a little
 *                        faster on cores of their own, but they keep burning CPU after every run, which on shared
 *                        cores slows everything else down
 */
public record RuntimeOptions(String device, int deviceId, int intraOpThreads, int interOpThreads,
        String optimization, boolean memoryArena, boolean parallel, boolean spinWait) {

    public static final RuntimeOptions CPU_DEFAULTS = new RuntimeOptions("cpu", 0, 0, 0, "all", true, false, false);

    public RuntimeOptions {
        if (!device.equals("cpu") && !device.equals("cuda")) {
            throw new IllegalArgumentException("dreamid.diffusion.device must be cpu or cuda, got \"" + device + "\"");
        }
        if (intraOpThreads < 0 || interOpThreads < 0) {
            throw new IllegalArgumentException("thread counts must be 0 (automatic) or positive");
        }
        if (!Set.of("none", "basic", "extended", "all").contains(optimization)) {
            throw new IllegalArgumentException("dreamid.diffusion.optimization must be none, basic, extended or all,"
                    + " got \"" + optimization + "\"");
        }
    }

    public boolean cuda() {
        return device.equals("cuda");
    }
}
