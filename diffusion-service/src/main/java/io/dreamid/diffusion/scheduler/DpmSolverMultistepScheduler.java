package io.dreamid.diffusion.scheduler;

/**
 * DPM-Solver++ multistep (Lu et al. 2022, "DPM-Solver++", algorithm 2 for order 2), as diffusers'
 * {@code DPMSolverMultistepScheduler} with {@code algorithm_type="dpmsolver++"}. It solves the diffusion ODE in
 * lambda = log(alpha_t / sigma_t) with the data prediction x0 = D(x):
 * <ul>
 *   <li>first order (DDIM-equivalent): x_t = (sigma_t / sigma_s) x_s - alpha_t (e^{-h} - 1) D0,
 *       h = lambda_t - lambda_s;</li>
 *   <li>second order from the last two outputs, D1 = (D0 - D_prev) / r0 with r0 = h_prev / h: "midpoint"
 *       (algorithm 2) subtracts 0.5 alpha_t (e^{-h} - 1) D1, "heun" adds alpha_t ((e^{-h} - 1) / h + 1) D1.</li>
 * </ul>
 * The first step, and the last when {@code final_sigmas_type} is "zero" (or fewer than 15 steps with
 * {@code lower_order_final}), are first order. alpha_t = 1 / sqrt(sigma^2 + 1), sigma_t = sigma alpha_t, all
 * in float32 as diffusers computes them.
 */
final class DpmSolverMultistepScheduler extends AbstractScheduler {

    private final float[] trainSigmas;
    private final int order;
    private final boolean midpoint;
    private float[] sigmas;
    /** Data prediction of the previous step (order 2), owned by the scheduler. */
    private float[] previousX0;
    private int lowerOrderNums;
    private int nextStep;

    DpmSolverMultistepScheduler(SchedulerConfig config, int order) {
        super(config);
        if (order < 1 || order > 2) {
            throw new IllegalArgumentException("solver_order " + order + " is not supported; use 1 or 2");
        }
        if (!config.solverType().equals("midpoint") && !config.solverType().equals("heun")) {
            throw new IllegalArgumentException("solver_type must be \"midpoint\" or \"heun\", got \""
                    + config.solverType() + "\"");
        }
        this.order = order;
        this.midpoint = config.solverType().equals("midpoint");
        this.trainSigmas = TrainSchedule.trainSigmas(alphasCumprod);
    }

    @Override
    public void setTimesteps(int steps) {
        checkSteps(steps);
        int n = config.numTrainTimesteps();
        long[] ts;
        switch (spacing("linspace")) {
            case "linspace" -> {
                // steps + 1 points from 0 to T - 1, the last (t = 0) dropped.
                double[] grid = Grids.linspace(0, n - 1, steps + 1);
                ts = new long[steps];
                for (int i = 0; i < steps; i++) {
                    ts[i] = (long) Math.rint(grid[steps - i]);
                }
            }
            case "leading" -> {
                int ratio = n / (steps + 1);
                ts = new long[steps];
                for (int i = 0; i < steps; i++) {
                    ts[i] = (long) (steps - i) * ratio + config.stepsOffset();
                }
            }
            default -> ts = Grids.trailing(n, n, steps);
        }
        setIntegerTimesteps(ts);
        sigmas = new float[timesteps.length + 1];
        for (int i = 0; i < timesteps.length; i++) {
            sigmas[i] = (float) TrainSchedule.interpolate(timesteps[i], trainSigmas);
        }
        sigmas[timesteps.length] = config.finalSigmasType().equals("sigma_min")
                ? sqrt((1.0f - alphasCumprod[0]) / alphasCumprod[0])
                : 0.0f;
        previousX0 = null;
        lowerOrderNums = 0;
        nextStep = 0;
    }

    @Override
    public float initNoiseSigma() {
        return 1.0f;
    }

    @Override
    public float[] scaleModelInput(float[] sample, int stepIndex) {
        checkIndex(stepIndex);
        return sample;
    }

    @Override
    public float[] step(float[] modelOutput, int stepIndex, float[] sample, GaussianNoise noise) {
        checkStep(modelOutput, stepIndex, sample);
        if (stepIndex != nextStep) {
            throw new IllegalStateException("DPM-Solver++ is multistep: expected step " + nextStep + ", got "
                    + stepIndex + " (call setTimesteps to start a new run)");
        }
        int n = timesteps.length;
        boolean lowerOrderFinal = stepIndex == n - 1 && (config.eulerAtFinal()
                || (config.lowerOrderFinal() && n < 15) || config.finalSigmasType().equals("zero"));
        boolean firstOrder = order == 1 || lowerOrderNums < 1 || lowerOrderFinal;

        float sigmaS0 = sigmas[stepIndex];
        float alphaS0 = 1.0f / sqrt(sigmaS0 * sigmaS0 + 1.0f);
        float sigmaTS0 = sigmaS0 * alphaS0;
        float[] x0 = new float[sample.length];
        convertModelOutput(modelOutput, sample, alphaS0, sigmaTS0, x0);

        float sigmaNext = sigmas[stepIndex + 1];
        float alphaT = 1.0f / sqrt(sigmaNext * sigmaNext + 1.0f);
        float sigmaT = sigmaNext * alphaT;
        float lambdaT = log(alphaT) - log(sigmaT);
        float lambdaS0 = log(alphaS0) - log(sigmaTS0);
        float h = lambdaT - lambdaS0;
        float expMinusH = exp(-h);
        float sampleCoeff = sigmaT / sigmaTS0;
        float phi = alphaT * (expMinusH - 1.0f);
        float[] prev = new float[sample.length];
        if (firstOrder) {
            for (int i = 0; i < prev.length; i++) {
                prev[i] = sampleCoeff * sample[i] - phi * x0[i];
            }
        } else {
            float sigmaS1 = sigmas[stepIndex - 1];
            float alphaS1 = 1.0f / sqrt(sigmaS1 * sigmaS1 + 1.0f);
            float sigmaTS1 = sigmaS1 * alphaS1;
            float lambdaS1 = log(alphaS1) - log(sigmaTS1);
            float r0 = (lambdaS0 - lambdaS1) / h;
            float invR0 = 1.0f / r0;
            float[] m1 = previousX0;
            if (midpoint) {
                float halfPhi = 0.5f * phi;
                for (int i = 0; i < prev.length; i++) {
                    float d1 = invR0 * (x0[i] - m1[i]);
                    prev[i] = sampleCoeff * sample[i] - phi * x0[i] - halfPhi * d1;
                }
            } else {
                float heun = alphaT * ((expMinusH - 1.0f) / h + 1.0f);
                for (int i = 0; i < prev.length; i++) {
                    float d1 = invR0 * (x0[i] - m1[i]);
                    prev[i] = sampleCoeff * sample[i] - phi * x0[i] + heun * d1;
                }
            }
        }
        previousX0 = x0;
        if (lowerOrderNums < order) {
            lowerOrderNums++;
        }
        nextStep++;
        return prev;
    }

    /** DPM-Solver++ works on the data prediction x0 whatever the network predicts. */
    private void convertModelOutput(float[] modelOutput, float[] sample, float alpha, float sigma, float[] x0) {
        switch (predictionType) {
            case "epsilon" -> {
                for (int i = 0; i < x0.length; i++) {
                    x0[i] = (sample[i] - sigma * modelOutput[i]) / alpha;
                }
            }
            case "v_prediction" -> {
                for (int i = 0; i < x0.length; i++) {
                    x0[i] = alpha * sample[i] - sigma * modelOutput[i];
                }
            }
            default -> System.arraycopy(modelOutput, 0, x0, 0, x0.length);
        }
    }

    /** float32 log as a float64 fdlibm result rounded once: the same bits on every platform. */
    private static float log(float x) {
        return (float) StrictMath.log(x);
    }

    private static float exp(float x) {
        return (float) StrictMath.exp(x);
    }
}
