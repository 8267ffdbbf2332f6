package io.dreamid.diffusion.scheduler;

/**
 * Euler's method on the probability-flow ODE, as diffusers' {@code EulerDiscreteScheduler} without churn:
 * Karras et al. 2022 algorithm 2 with S_churn = 0 (so sigma_hat = sigma), i.e. algorithm 1's Euler step
 * d = (x - D(x)) / sigma, x_next = x + (sigma_next - sigma) * d.
 */
final class EulerScheduler extends SigmaScheduler {

    EulerScheduler(SchedulerConfig config) {
        super(config);
    }

    /** final_sigmas_type "sigma_min" stops at the smallest training sigma instead of 0. */
    @Override
    protected float finalSigma() {
        return config.finalSigmasType().equals("sigma_min")
                ? sqrt((1.0f - alphasCumprod[0]) / alphasCumprod[0])
                : 0.0f;
    }

    @Override
    public float[] step(float[] modelOutput, int stepIndex, float[] sample, GaussianNoise noise) {
        checkStep(modelOutput, stepIndex, sample);
        float sigmaHat = sigmas[stepIndex] * 1.0f;
        float dt = sigmas[stepIndex + 1] - sigmaHat;
        float[] prev = new float[sample.length];
        denoised(modelOutput, sigmaHat, sample, prev);
        for (int i = 0; i < prev.length; i++) {
            float derivative = (sample[i] - prev[i]) / sigmaHat;
            prev[i] = sample[i] + derivative * dt;
        }
        return prev;
    }
}
