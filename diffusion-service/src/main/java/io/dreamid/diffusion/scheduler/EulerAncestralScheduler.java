package io.dreamid.diffusion.scheduler;

/**
 * Ancestral Euler sampling, as diffusers' {@code EulerAncestralDiscreteScheduler} (Karras et al. 2022 with
 * k-diffusion's ancestral split): the step from sigma to sigma_next is split into a deterministic Euler step
 * down to sigma_down and fresh noise of standard deviation sigma_up, with
 * sigma_up = sqrt(sigma_next^2 (sigma^2 - sigma_next^2) / sigma^2), sigma_down = sqrt(sigma_next^2 - sigma_up^2).
 * Draws {@code sample.length} values from the noise stream per step.
 */
final class EulerAncestralScheduler extends SigmaScheduler {

    /** Fresh noise of the current step; never handed out, so reused across steps. */
    private float[] z = new float[0];

    EulerAncestralScheduler(SchedulerConfig config) {
        super(config);
        if (config.predictionType().equals("sample")) {
            throw new IllegalArgumentException("prediction_type \"sample\" is not supported by euler-ancestral"
                    + " (diffusers does not implement it either); use epsilon or v_prediction");
        }
    }

    @Override
    public float[] step(float[] modelOutput, int stepIndex, float[] sample, GaussianNoise noise) {
        checkStep(modelOutput, stepIndex, sample);
        if (noise == null) {
            throw new IllegalArgumentException("euler-ancestral draws fresh noise each step: pass a GaussianNoise");
        }
        float sigma = sigmas[stepIndex];
        float sigmaTo = sigmas[stepIndex + 1];
        float sigmaUp = sqrt(sigmaTo * sigmaTo * (sigma * sigma - sigmaTo * sigmaTo) / (sigma * sigma));
        float sigmaDown = sqrt(sigmaTo * sigmaTo - sigmaUp * sigmaUp);
        float dt = sigmaDown - sigma;
        float[] prev = new float[sample.length];
        denoised(modelOutput, sigma, sample, prev);
        for (int i = 0; i < prev.length; i++) {
            float derivative = (sample[i] - prev[i]) / sigma;
            prev[i] = sample[i] + derivative * dt;
        }
        if (z.length != prev.length) {
            z = new float[prev.length];
        }
        noise.fill(z);
        for (int i = 0; i < prev.length; i++) {
            prev[i] = prev[i] + z[i] * sigmaUp;
        }
        return prev;
    }
}
