package io.dreamid.diffusion.pipeline;

import java.util.LinkedHashMap;
import java.util.Map;

/** Accumulated wall time per named step of a job, in nanoseconds. Not thread-safe: one per job. */
public final class Timings {
    /** Time in the topic and the consumer before generation took the job. */
    public static final String WAIT = "diffusion.wait";
    /** Reading the identities' words from storage (none for a text-only job). */
    public static final String IDENTITY = "diffusion.identity";
    public static final String TOKENIZE = "diffusion.tokenize";
    public static final String TEXT_ENCODE = "diffusion.text_encode";
    public static final String DENOISE = "diffusion.denoise";
    public static final String DECODE = "diffusion.decode";
    public static final String PNG = "diffusion.png";
    public static final String STORE = "diffusion.store";
    /** Inside denoise: time in UNet runs, and the rest (guidance, scheduler, buffer copies) on the Java side. */
    public static final String UNET = "diffusion.denoise.unet";
    public static final String STEP_JAVA = "diffusion.denoise.java";
    /** The Java side's own CPU time (thread CPU time outside UNet runs): unaffected by other load. */
    public static final String STEP_JAVA_CPU = "diffusion.denoise.java_cpu";
    public static final String STEPS = "diffusion.denoise.steps";
    /** Before denoise: how long the job's images waited for a batch to form or for the batch before to end. */
    public static final String QUEUE = "diffusion.denoise.queue";

    private final Map<String, Long> nanos = new LinkedHashMap<>();

    public void add(String name, long elapsedNanos) {
        nanos.merge(name, elapsedNanos, Long::sum);
    }

    public long nanos(String name) {
        return nanos.getOrDefault(name, 0L);
    }

    /** The stage timings of a job event: milliseconds per step, rounded. Step counts and CPU times are left out. */
    public Map<String, Long> millis() {
        Map<String, Long> out = new LinkedHashMap<>();
        nanos.forEach((k, v) -> {
            if (!k.equals(STEPS) && !k.equals(STEP_JAVA_CPU)) {
                out.put(k, Math.round(v / 1e6));
            }
        });
        return out;
    }
}
