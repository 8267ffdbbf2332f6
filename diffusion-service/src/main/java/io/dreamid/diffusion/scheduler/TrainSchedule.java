package io.dreamid.diffusion.scheduler;

/**
 * The training noise schedule every scheduler starts from, with diffusers' precision on CPU: betas and
 * alphas in float32; the cumulative product accumulated in float64 and stored as float32 (torch's CPU
 * {@code cumprod} kernel accumulates float tensors in double). Public for the trainer, which adds noise to
 * latents with the same schedule the pipeline removes it with.
 */
public final class TrainSchedule {

    private TrainSchedule() {
    }

    /** alphas_cumprod[t] = prod_{s <= t} (1 - beta_s), the signal fraction \bar\alpha_t of DDPM (Ho et al. 2020). */
    public static float[] alphasCumprod(SchedulerConfig config) {
        float[] betas = betas(config);
        float[] cumprod = new float[betas.length];
        double product = 1.0;
        for (int t = 0; t < betas.length; t++) {
            float alpha = 1.0f - betas[t];
            product *= alpha;
            cumprod[t] = (float) product;
        }
        return cumprod;
    }

    static float[] betas(SchedulerConfig config) {
        int n = config.numTrainTimesteps();
        float[] betas = new float[n];
        if (config.trainedBetas() != null) {
            for (int t = 0; t < n; t++) {
                betas[t] = (float) config.trainedBetas()[t];
            }
            return betas;
        }
        switch (config.betaSchedule()) {
            case "linear" -> {
                double[] grid = Grids.linspace(config.betaStart(), config.betaEnd(), n);
                for (int t = 0; t < n; t++) {
                    betas[t] = (float) grid[t];
                }
            }
            case "scaled_linear" -> {
                // Latent diffusion's schedule: linear in sqrt(beta), squared in float32.
                double[] grid = Grids.linspace(Math.sqrt(config.betaStart()), Math.sqrt(config.betaEnd()), n);
                for (int t = 0; t < n; t++) {
                    float root = (float) grid[t];
                    betas[t] = root * root;
                }
            }
            case "squaredcos_cap_v2" -> {
                // Nichol & Dhariwal 2021 eq. 17: alpha_bar(t) = cos^2((t/T + s) / (1 + s) * pi/2), s = 0.008,
                // beta_t = 1 - alpha_bar(t+1)/alpha_bar(t) clipped at 0.999, in float64.
                for (int t = 0; t < n; t++) {
                    double beta = 1 - alphaBar((t + 1) / (double) n) / alphaBar(t / (double) n);
                    betas[t] = (float) Math.min(beta, 0.999);
                }
            }
            default -> throw new IllegalArgumentException("beta_schedule \"" + config.betaSchedule()
                    + "\" is not supported");
        }
        return betas;
    }

    private static double alphaBar(double t) {
        double c = StrictMath.cos((t + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    /** sigma_t = sqrt((1 - alpha_bar_t) / alpha_bar_t), the variance-exploding noise level, in float32. */
    static float[] trainSigmas(float[] alphasCumprod) {
        float[] sigmas = new float[alphasCumprod.length];
        for (int t = 0; t < sigmas.length; t++) {
            sigmas[t] = (float) Math.sqrt((1.0f - alphasCumprod[t]) / alphasCumprod[t]);
        }
        return sigmas;
    }

    /**
     * numpy's {@code interp(x, arange(len(table)), table)} in float64: the sigma of a possibly fractional
     * timestep, linear between the two neighbouring training steps.
     */
    static double interpolate(double x, float[] table) {
        int last = table.length - 1;
        if (x <= 0) {
            return table[0];
        }
        if (x >= last) {
            return table[last];
        }
        int j = (int) Math.floor(x);
        if (j == x) {
            return table[j];
        }
        double slope = (double) table[j + 1] - table[j];
        return slope * (x - j) + table[j];
    }
}
