package io.dreamid.diffusion.scheduler;

/**
 * PLMS, the pseudo linear multistep method of Liu et al. 2022 ("Pseudo Numerical Methods for Diffusion
 * Models"), as diffusers' {@code PNDMScheduler} with {@code skip_prk_steps=true} (Stable Diffusion's setting;
 * the Runge-Kutta warm-up is replaced by a two-evaluation first step, following crowsonkb's PLMS sampler).
 * The noise estimate combines the last outputs with the Adams-Bashforth weights of eq. 12
 * ((55, -59, 37, -9) / 24 with lower orders while fewer are known), then the transfer of eq. 9:
 * x_{t-d} = sqrt(a_{t-d} / a_t) x_t - (a_{t-d} - a_t) e / (a_t sqrt(1 - a_{t-d}) + sqrt(a_t (1 - a_t) a_{t-d})).
 * Runs steps + 1 model evaluations: the second timestep is repeated. Float32 throughout.
 */
final class PndmScheduler extends AbstractScheduler {

    private static final float ONE_OVER_24 = (float) (1.0 / 24.0);

    private final float finalAlphaCumprod;
    private int stepRatio;
    /** The last four raw model outputs, newest at (etsCount - 1) % 4; owned copies. */
    private final float[][] ets = new float[4][];
    private int etsCount;
    private float[] curSample;
    private int counter;

    PndmScheduler(SchedulerConfig config) {
        super(config);
        if (predictionType.equals("sample")) {
            throw new IllegalArgumentException("prediction_type \"sample\" is not supported by pndm (diffusers"
                    + " does not implement it either); use epsilon or v_prediction");
        }
        boolean alphaToOne = config.setAlphaToOne() != null && config.setAlphaToOne();
        this.finalAlphaCumprod = alphaToOne ? 1.0f : alphasCumprod[0];
    }

    @Override
    public void setTimesteps(int steps) {
        checkSteps(steps);
        int n = config.numTrainTimesteps();
        long[] base;
        switch (spacing("leading")) {
            case "linspace" -> {
                double[] grid = Grids.linspace(0, n - 1, steps);
                base = new long[steps];
                for (int i = 0; i < steps; i++) {
                    base[i] = (long) Math.rint(grid[i]);
                }
            }
            case "leading" -> {
                int ratio = n / steps;
                base = new long[steps];
                for (int i = 0; i < steps; i++) {
                    base[i] = (long) i * ratio + config.stepsOffset();
                }
            }
            default -> {
                long[] descending = Grids.trailing(n, n, steps);
                base = new long[descending.length];
                for (int i = 0; i < base.length; i++) {
                    base[i] = descending[descending.length - 1 - i];
                }
            }
        }
        // plms_timesteps = concat(base[:-1], base[-2:-1], base[-1:]) reversed: the second-noisiest repeated.
        int m = base.length;
        long[] plms = new long[m == 1 ? 1 : m + 1];
        int k = 0;
        plms[k++] = base[m - 1];
        if (m > 1) {
            plms[k++] = base[m - 2];
            for (int i = m - 2; i >= 0; i--) {
                plms[k++] = base[i];
            }
        }
        setIntegerTimesteps(plms);
        stepRatio = n / steps;
        etsCount = 0;
        curSample = null;
        counter = 0;
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
        if (stepIndex != counter) {
            throw new IllegalStateException("PLMS is multistep: expected step " + counter + ", got " + stepIndex
                    + " (call setTimesteps to start a new run)");
        }
        int t = timesteps[stepIndex];
        int prevT = t - stepRatio;
        if (counter != 1) {
            float[] slot = ets[etsCount % 4];
            if (slot == null || slot.length != modelOutput.length) {
                slot = new float[modelOutput.length];
                ets[etsCount % 4] = slot;
            }
            System.arraycopy(modelOutput, 0, slot, 0, slot.length);
            etsCount++;
        } else {
            // The repeated timestep re-evaluates the first step: average the two outputs, restart from x_T.
            prevT = t;
            t = t + stepRatio;
        }
        int known = Math.min(etsCount, 4);
        float[] e1 = ets[(etsCount - 1) % 4];
        float[] combined = new float[sample.length];
        float[] from = sample;
        if (known == 1 && counter == 0) {
            System.arraycopy(modelOutput, 0, combined, 0, combined.length);
            curSample = sample.clone();
        } else if (known == 1 && counter == 1) {
            for (int i = 0; i < combined.length; i++) {
                combined[i] = (modelOutput[i] + e1[i]) / 2.0f;
            }
            from = curSample;
            curSample = null;
        } else if (known == 2) {
            float[] e2 = ets[(etsCount - 2) % 4];
            for (int i = 0; i < combined.length; i++) {
                combined[i] = (3.0f * e1[i] - e2[i]) / 2.0f;
            }
        } else if (known == 3) {
            float[] e2 = ets[(etsCount - 2) % 4];
            float[] e3 = ets[(etsCount - 3) % 4];
            for (int i = 0; i < combined.length; i++) {
                combined[i] = (23.0f * e1[i] - 16.0f * e2[i] + 5.0f * e3[i]) / 12.0f;
            }
        } else {
            float[] e2 = ets[(etsCount - 2) % 4];
            float[] e3 = ets[(etsCount - 3) % 4];
            float[] e4 = ets[(etsCount - 4) % 4];
            for (int i = 0; i < combined.length; i++) {
                combined[i] = ONE_OVER_24 * (55.0f * e1[i] - 59.0f * e2[i] + 37.0f * e3[i] - 9.0f * e4[i]);
            }
        }
        counter++;
        return previousSample(from, checkedTimestep(t), prevT, combined);
    }

    private float[] previousSample(float[] sample, int t, int prevT, float[] noiseEstimate) {
        float alphaProdT = alphasCumprod[t];
        float alphaProdPrev = prevT >= 0 ? alphasCumprod[prevT] : finalAlphaCumprod;
        float betaProdT = 1.0f - alphaProdT;
        float betaProdPrev = 1.0f - alphaProdPrev;
        if (predictionType.equals("v_prediction")) {
            // eps = sqrt(a) v + sqrt(1 - a) x (Salimans & Ho 2022), applied to the combined estimate.
            float sa = sqrt(alphaProdT);
            float sb = sqrt(betaProdT);
            for (int i = 0; i < noiseEstimate.length; i++) {
                noiseEstimate[i] = sa * noiseEstimate[i] + sb * sample[i];
            }
        }
        float sampleCoeff = sqrt(alphaProdPrev / alphaProdT);
        float denominator = alphaProdT * sqrt(betaProdPrev) + sqrt(alphaProdT * betaProdT * alphaProdPrev);
        float difference = alphaProdPrev - alphaProdT;
        float[] prev = new float[sample.length];
        for (int i = 0; i < prev.length; i++) {
            prev[i] = sampleCoeff * sample[i] - (difference * noiseEstimate[i]) / denominator;
        }
        return prev;
    }
}
