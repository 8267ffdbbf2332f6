package io.dreamid.diffusion.scheduler;

import java.util.List;
import java.util.Map;

/** Creates schedulers by job name ({@code JobSpec.SCHEDULERS}) or by the bundle's {@code _class_name}. */
public final class Schedulers {

    /** Job-spec scheduler names. */
    public static final List<String> NAMES = List.of("ddim", "euler", "euler-ancestral", "dpmpp-2m", "pndm");

    private static final Map<String, String> CLASS_NAMES = Map.of(
            "DDIMScheduler", "ddim",
            "EulerDiscreteScheduler", "euler",
            "EulerAncestralDiscreteScheduler", "euler-ancestral",
            "DPMSolverMultistepScheduler", "dpmpp-2m",
            "PNDMScheduler", "pndm");

    private Schedulers() {
    }

    /**
     * A new scheduler (one per generated image: they hold multistep state).
     *
     * @param name   one of {@link #NAMES}, or null for the scheduler named by {@code config.className()}. An
     *               explicit name means exactly that sampler: "dpmpp-2m" is DPM-Solver++ of second order
     *               whatever {@code algorithm_type} and {@code solver_order} say, and "pndm" is PLMS. Taken
     *               from the class name, the config's {@code algorithm_type}, {@code solver_order} and
     *               {@code skip_prk_steps} apply (and are refused if unsupported).
     * @param config the bundle's scheduler_config.json; its betas, prediction type and spacing apply to any
     *               scheduler, as with diffusers' {@code from_config}
     * @throws IllegalArgumentException for an unknown name or class, or a setting the scheduler does not
     *                                  support
     */
    public static Scheduler create(String name, SchedulerConfig config) {
        boolean fromClass = name == null;
        String resolved = name;
        if (fromClass) {
            if (config.className() == null) {
                throw new IllegalArgumentException("no scheduler name given and scheduler_config.json has no"
                        + " _class_name; pass one of " + NAMES);
            }
            resolved = CLASS_NAMES.get(config.className());
            if (resolved == null) {
                throw new IllegalArgumentException("scheduler class \"" + config.className()
                        + "\" is not supported; supported classes are " + CLASS_NAMES.keySet().stream().sorted()
                        .toList() + ", or choose one of " + NAMES + " in the job");
            }
        }
        return switch (resolved) {
            case "ddim" -> new DdimScheduler(config);
            case "euler" -> new EulerScheduler(config);
            case "euler-ancestral" -> new EulerAncestralScheduler(config);
            case "dpmpp-2m" -> {
                if (fromClass && !config.algorithmType().equals("dpmsolver++")) {
                    throw new IllegalArgumentException("DPMSolverMultistepScheduler with algorithm_type \""
                            + config.algorithmType() + "\" is not supported; only \"dpmsolver++\" (or ask for"
                            + " \"dpmpp-2m\" by name)");
                }
                yield new DpmSolverMultistepScheduler(config, fromClass ? config.solverOrder() : 2);
            }
            case "pndm" -> {
                if (fromClass && !Boolean.TRUE.equals(config.skipPrkSteps())) {
                    throw new IllegalArgumentException("PNDMScheduler without skip_prk_steps=true (the Runge-Kutta"
                            + " warm-up) is not supported; set skip_prk_steps to true, as Stable Diffusion does");
                }
                yield new PndmScheduler(config);
            }
            default -> throw new IllegalArgumentException("unknown scheduler \"" + name + "\"; use one of " + NAMES);
        };
    }
}
