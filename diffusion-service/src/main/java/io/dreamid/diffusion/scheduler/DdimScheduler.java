package io.dreamid.diffusion.scheduler;

/**
 * DDIM (Song, Meng and Ermon 2021), deterministic (eta = 0), as diffusers' {@code DDIMScheduler}. Eq. 12:
 * x_{t-1} = sqrt(a_{t-1}) * x0_pred + sqrt(1 - a_{t-1} - sigma_t^2) * eps_pred + sigma_t * z, with
 * sigma_t = eta * (...) = 0. The previous timestep is always t - T / steps (diffusers does the same for every
 * spacing). All arithmetic in float32, like diffusers' tensors.
 */
final class DdimScheduler extends AbstractScheduler {

    private final float finalAlphaCumprod;
    private int stepRatio;

    DdimScheduler(SchedulerConfig config) {
        super(config);
        if (config.clipSample()) {
            throw new IllegalArgumentException("clip_sample=true (DDIM's x0 clamping) is not supported;"
                    + " set it to false");
        }
        boolean alphaToOne = config.setAlphaToOne() == null || config.setAlphaToOne();
        this.finalAlphaCumprod = alphaToOne ? 1.0f : alphasCumprod[0];
    }

    @Override
    public void setTimesteps(int steps) {
        checkSteps(steps);
        int n = config.numTrainTimesteps();
        long[] ts = new long[steps];
        switch (spacing("leading")) {
            case "linspace" -> {
                double[] grid = Grids.linspace(0, n - 1, steps);
                for (int i = 0; i < steps; i++) {
                    ts[i] = (long) Math.rint(grid[steps - 1 - i]);
                }
            }
            case "leading" -> {
                int ratio = n / steps;
                for (int i = 0; i < steps; i++) {
                    ts[i] = (long) (steps - 1 - i) * ratio + config.stepsOffset();
                }
            }
            default -> ts = Grids.trailing(n, n, steps);
        }
        setIntegerTimesteps(ts);
        stepRatio = n / steps;
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
        int t = timesteps[stepIndex];
        int prevT = t - stepRatio;
        float alphaProdT = alphasCumprod[t];
        float alphaProdPrev = prevT >= 0 ? alphasCumprod[prevT] : finalAlphaCumprod;
        float betaProdT = 1.0f - alphaProdT;
        float sqrtAlpha = sqrt(alphaProdT);
        float sqrtBeta = sqrt(betaProdT);
        float sqrtAlphaPrev = sqrt(alphaProdPrev);
        // sqrt(1 - a_{t-1} - sigma_t^2) with sigma_t = 0: the "direction pointing to x_t" coefficient.
        float direction = sqrt(1.0f - alphaProdPrev - 0.0f);
        float[] prev = new float[sample.length];
        switch (predictionType) {
            case "epsilon" -> {
                for (int i = 0; i < prev.length; i++) {
                    float eps = modelOutput[i];
                    float x0 = (sample[i] - sqrtBeta * eps) / sqrtAlpha;
                    prev[i] = sqrtAlphaPrev * x0 + direction * eps;
                }
            }
            case "v_prediction" -> {
                // Salimans & Ho 2022: v = sqrt(a) eps - sqrt(1-a) x0, so x0 = sqrt(a) x - sqrt(1-a) v.
                for (int i = 0; i < prev.length; i++) {
                    float v = modelOutput[i];
                    float x = sample[i];
                    float x0 = sqrtAlpha * x - sqrtBeta * v;
                    float eps = sqrtAlpha * v + sqrtBeta * x;
                    prev[i] = sqrtAlphaPrev * x0 + direction * eps;
                }
            }
            default -> {
                for (int i = 0; i < prev.length; i++) {
                    float x0 = modelOutput[i];
                    float eps = (sample[i] - sqrtAlpha * x0) / sqrtBeta;
                    prev[i] = sqrtAlphaPrev * x0 + direction * eps;
                }
            }
        }
        return prev;
    }
}
