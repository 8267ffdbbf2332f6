package io.dreamid.diffusion.scheduler;

/**
 * Shared part of the Euler samplers, which work in the variance-exploding parametrisation of Karras et al.
 * 2022: x = x0 + sigma * eps with sigma_t = sqrt((1 - a_t) / a_t), and the UNet fed x / sqrt(sigma^2 + 1).
 * The timestep grid and the sigma interpolation run in float64 (numpy), the results are float32.
 */
abstract class SigmaScheduler extends AbstractScheduler {

    private final float[] trainSigmas;
    /** sigmas[i] for step i, plus a final 0. */
    protected float[] sigmas;
    private float initNoiseSigma;

    SigmaScheduler(SchedulerConfig config) {
        super(config);
        this.trainSigmas = TrainSchedule.trainSigmas(alphasCumprod);
    }

    @Override
    public void setTimesteps(int steps) {
        checkSteps(steps);
        int n = config.numTrainTimesteps();
        String spacing = spacing("linspace");
        float[] values;
        switch (spacing) {
            case "linspace" -> {
                double[] grid = Grids.linspace(0, n - 1, steps);
                values = new float[steps];
                for (int i = 0; i < steps; i++) {
                    values[i] = (float) grid[steps - 1 - i];
                }
            }
            case "leading" -> {
                int ratio = n / steps;
                values = new float[steps];
                for (int i = 0; i < steps; i++) {
                    values[i] = (float) ((long) (steps - 1 - i) * ratio) + (float) config.stepsOffset();
                }
            }
            default -> {
                double[] grid = Grids.arange(n, 0, -(n / (double) steps));
                values = new float[grid.length];
                for (int i = 0; i < grid.length; i++) {
                    values[i] = (float) Math.rint(grid[i]) - 1.0f;
                }
            }
        }
        int[] ints = new int[values.length];
        sigmas = new float[values.length + 1];
        float maxSigma = 0.0f;
        for (int i = 0; i < values.length; i++) {
            ints[i] = checkedTimestep((long) values[i]);
            sigmas[i] = (float) TrainSchedule.interpolate(values[i], trainSigmas);
            maxSigma = Math.max(maxSigma, sigmas[i]);
        }
        sigmas[values.length] = finalSigma();
        timesteps = ints;
        timestepValues = values;
        // Leading spacing never reaches the noisiest training step, so the initial latents need the extra
        // unit variance of the data itself: sqrt(sigma_max^2 + 1).
        initNoiseSigma = spacing.equals("leading") ? sqrt(maxSigma * maxSigma + 1.0f) : maxSigma;
    }

    /** The sigma after the last step: 0 (fully denoised) unless the scheduler allows otherwise. */
    protected float finalSigma() {
        return 0.0f;
    }

    @Override
    public float initNoiseSigma() {
        requireTimesteps();
        return initNoiseSigma;
    }

    /** c_in of Karras et al. 2022 table 1 for the VP-trained UNet: x / sqrt(sigma^2 + 1). */
    @Override
    public float[] scaleModelInput(float[] sample, int stepIndex) {
        checkIndex(stepIndex);
        float sigma = sigmas[stepIndex];
        float divisor = sqrt(sigma * sigma + 1.0f);
        float[] scaled = new float[sample.length];
        for (int i = 0; i < scaled.length; i++) {
            scaled[i] = sample[i] / divisor;
        }
        return scaled;
    }

    /**
     * The denoised estimate D(x) for the configured prediction type, written to {@code out}. v-prediction
     * uses c_skip = 1 / (sigma^2 + 1) and c_out = -sigma / sqrt(sigma^2 + 1).
     */
    protected void denoised(float[] modelOutput, float sigma, float[] sample, float[] out) {
        switch (predictionType) {
            case "epsilon" -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = sample[i] - sigma * modelOutput[i];
                }
            }
            case "v_prediction" -> {
                float cOut = -sigma / sqrt(sigma * sigma + 1.0f);
                float skipDivisor = sigma * sigma + 1.0f;
                for (int i = 0; i < out.length; i++) {
                    out[i] = modelOutput[i] * cOut + sample[i] / skipDivisor;
                }
            }
            default -> System.arraycopy(modelOutput, 0, out, 0, out.length);
        }
    }
}
