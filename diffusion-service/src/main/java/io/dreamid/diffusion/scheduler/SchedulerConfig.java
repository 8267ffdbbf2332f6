package io.dreamid.diffusion.scheduler;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The hyper-parameters of a diffusers {@code scheduler_config.json} that the schedulers here use. Keys that
 * diffusers defaults per scheduler class are nullable and resolved by {@link Schedulers#create}.
 *
 * @param className         {@code _class_name}, e.g. {@code PNDMScheduler}; null if absent
 * @param numTrainTimesteps {@code num_train_timesteps} (default 1000)
 * @param betaStart         {@code beta_start} (default 0.0001)
 * @param betaEnd           {@code beta_end} (default 0.02)
 * @param betaSchedule      {@code beta_schedule}: linear (default), scaled_linear or squaredcos_cap_v2
 * @param trainedBetas      {@code trained_betas}, one per training step, or null
 * @param predictionType    {@code prediction_type}: epsilon (default), v_prediction or sample
 * @param timestepSpacing   {@code timestep_spacing}: leading, trailing, linspace; null = the scheduler's default
 * @param stepsOffset       {@code steps_offset} added to "leading" timesteps (default 0)
 * @param setAlphaToOne     {@code set_alpha_to_one} (DDIM, PNDM): the final alpha is 1 rather than
 *                          alphas_cumprod[0]; null = the scheduler's default
 * @param clipSample        {@code clip_sample} (DDIM); only false is supported
 * @param skipPrkSteps      {@code skip_prk_steps} (PNDM); only true (PLMS, as Stable Diffusion uses) is
 *                          supported; null if absent
 * @param useKarrasSigmas   {@code use_karras_sigmas}; only false is supported
 * @param solverOrder       {@code solver_order} (DPM-Solver, default 2)
 * @param algorithmType     {@code algorithm_type} (DPM-Solver, default dpmsolver++)
 * @param solverType        {@code solver_type} (DPM-Solver, default midpoint; or heun)
 * @param lowerOrderFinal   {@code lower_order_final} (DPM-Solver, default true)
 * @param eulerAtFinal      {@code euler_at_final} (DPM-Solver, default false)
 * @param finalSigmasType   {@code final_sigmas_type} (Euler, DPM-Solver; default zero, or sigma_min)
 */
public record SchedulerConfig(
        String className,
        int numTrainTimesteps,
        double betaStart,
        double betaEnd,
        String betaSchedule,
        double[] trainedBetas,
        String predictionType,
        String timestepSpacing,
        int stepsOffset,
        Boolean setAlphaToOne,
        boolean clipSample,
        Boolean skipPrkSteps,
        boolean useKarrasSigmas,
        int solverOrder,
        String algorithmType,
        String solverType,
        boolean lowerOrderFinal,
        boolean eulerAtFinal,
        String finalSigmasType) {

    static final Set<String> BETA_SCHEDULES = Set.of("linear", "scaled_linear", "squaredcos_cap_v2");
    static final Set<String> PREDICTION_TYPES = Set.of("epsilon", "v_prediction", "sample");
    static final Set<String> SPACINGS = Set.of("leading", "trailing", "linspace");
    /** diffusers writes Python floats as JSON, including {@code -Infinity} for lambda_min_clipped. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    /** Checks the values; the message names the key and says what is accepted. */
    public SchedulerConfig {
        require(predictionType != null && algorithmType != null && solverType != null && finalSigmasType != null,
                "prediction_type, algorithm_type, solver_type and final_sigmas_type must be set");
        require(numTrainTimesteps >= 2, "num_train_timesteps must be at least 2, got " + numTrainTimesteps);
        if (trainedBetas != null) {
            require(trainedBetas.length == numTrainTimesteps, "trained_betas has " + trainedBetas.length
                    + " values, num_train_timesteps is " + numTrainTimesteps);
            for (double beta : trainedBetas) {
                require(beta > 0 && beta < 1, "trained_betas must lie in (0, 1), got " + beta);
            }
        } else {
            require(betaSchedule != null && BETA_SCHEDULES.contains(betaSchedule), "beta_schedule must be one of "
                    + sorted(BETA_SCHEDULES) + ", got \"" + betaSchedule + "\"");
            require(betaStart > 0 && betaStart < 1 && betaEnd > 0 && betaEnd < 1,
                    "beta_start and beta_end must lie in (0, 1), got " + betaStart + " and " + betaEnd);
        }
        require(PREDICTION_TYPES.contains(predictionType), "prediction_type must be one of "
                + sorted(PREDICTION_TYPES) + ", got \"" + predictionType + "\"");
        require(timestepSpacing == null || SPACINGS.contains(timestepSpacing), "timestep_spacing must be one of "
                + sorted(SPACINGS) + ", got \"" + timestepSpacing + "\"");
        require(stepsOffset >= 0 && stepsOffset < numTrainTimesteps, "steps_offset must lie in [0, "
                + numTrainTimesteps + "), got " + stepsOffset);
        require(!useKarrasSigmas, "use_karras_sigmas=true (Karras et al. sigma spacing) is not supported;"
                + " set it to false");
        require(solverOrder >= 1, "solver_order must be at least 1, got " + solverOrder);
        require(finalSigmasType.equals("zero") || finalSigmasType.equals("sigma_min"),
                "final_sigmas_type must be \"zero\" or \"sigma_min\", got \"" + finalSigmasType + "\"");
    }

    /** Stable Diffusion 1.x's scheduler: PNDM (PLMS) on the scaled-linear betas 0.00085..0.012. */
    public static SchedulerConfig stableDiffusion() {
        return fromJson("{\"_class_name\": \"PNDMScheduler\", \"beta_start\": 0.00085, \"beta_end\": 0.012,"
                + " \"beta_schedule\": \"scaled_linear\", \"num_train_timesteps\": 1000, \"set_alpha_to_one\": false,"
                + " \"skip_prk_steps\": true, \"steps_offset\": 1, \"clip_sample\": false}");
    }

    /**
     * Reads a {@code scheduler_config.json}.
     *
     * @throws IllegalArgumentException naming the file and the key when it is not valid
     * @throws UncheckedIOException     when it cannot be read
     */
    public static SchedulerConfig fromJson(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read scheduler config " + file, e);
        }
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Parses the text of a {@code scheduler_config.json}; unknown keys are ignored, as diffusers does. */
    public static SchedulerConfig fromJson(String json) {
        try {
            return parse(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("scheduler config: " + e.getMessage(), e);
        }
    }

    private static SchedulerConfig parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage(), e);
        }
        require(root != null && root.isObject(), "must be a JSON object");
        // Features of other diffusers schedulers that change the formulas: refused rather than ignored.
        for (String flag : List.of("thresholding", "rescale_betas_zero_snr", "use_exponential_sigmas",
                "use_beta_sigmas", "use_lu_lambdas", "use_flow_sigmas")) {
            require(!bool(root, flag, false), flag + "=true is not supported; set it to false");
        }
        double lambdaMinClipped = number(root, "lambda_min_clipped", Double.NEGATIVE_INFINITY);
        require(lambdaMinClipped == Double.NEGATIVE_INFINITY, "lambda_min_clipped " + lambdaMinClipped
                + " is not supported; only -Infinity (no clipping)");
        String interpolation = text(root, "interpolation_type", "linear");
        require(interpolation.equals("linear"), "interpolation_type \"" + interpolation
                + "\" is not supported; only \"linear\"");
        String timestepType = text(root, "timestep_type", "discrete");
        require(timestepType.equals("discrete"), "timestep_type \"" + timestepType
                + "\" is not supported; only \"discrete\"");
        return new SchedulerConfig(
                text(root, "_class_name", null),
                integer(root, "num_train_timesteps", 1000),
                number(root, "beta_start", 0.0001),
                number(root, "beta_end", 0.02),
                text(root, "beta_schedule", "linear"),
                trainedBetas(root.path("trained_betas")),
                text(root, "prediction_type", "epsilon"),
                text(root, "timestep_spacing", null),
                integer(root, "steps_offset", 0),
                root.path("set_alpha_to_one").isBoolean() ? root.get("set_alpha_to_one").asBoolean() : null,
                bool(root, "clip_sample", false),
                root.path("skip_prk_steps").isBoolean() ? root.get("skip_prk_steps").asBoolean() : null,
                bool(root, "use_karras_sigmas", false),
                integer(root, "solver_order", 2),
                text(root, "algorithm_type", "dpmsolver++"),
                text(root, "solver_type", "midpoint"),
                bool(root, "lower_order_final", true),
                bool(root, "euler_at_final", false),
                text(root, "final_sigmas_type", "zero"));
    }

    private static double[] trainedBetas(JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        require(node.isArray(), "trained_betas must be an array of numbers or null");
        double[] betas = new double[node.size()];
        for (int i = 0; i < betas.length; i++) {
            require(node.get(i).isNumber(), "trained_betas[" + i + "] is not a number");
            betas[i] = node.get(i).asDouble();
        }
        return betas;
    }

    private static String text(JsonNode root, String key, String fallback) {
        JsonNode node = root.path(key);
        if (node.isMissingNode() || node.isNull()) {
            return fallback;
        }
        require(node.isTextual(), key + " must be a string, got " + node);
        return node.asText();
    }

    private static int integer(JsonNode root, String key, int fallback) {
        JsonNode node = root.path(key);
        if (node.isMissingNode() || node.isNull()) {
            return fallback;
        }
        require(node.canConvertToInt() && node.isIntegralNumber(), key + " must be an integer, got " + node);
        return node.asInt();
    }

    private static double number(JsonNode root, String key, double fallback) {
        JsonNode node = root.path(key);
        if (node.isMissingNode() || node.isNull()) {
            return fallback;
        }
        require(node.isNumber(), key + " must be a number, got " + node);
        return node.asDouble();
    }

    private static boolean bool(JsonNode root, String key, boolean fallback) {
        JsonNode node = root.path(key);
        if (node.isMissingNode() || node.isNull()) {
            return fallback;
        }
        require(node.isBoolean(), key + " must be true or false, got " + node);
        return node.asBoolean();
    }

    private static List<String> sorted(Set<String> values) {
        return values.stream().sorted().toList();
    }

    static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
