package io.dreamid.trainer;

/**
 * AdamW (Loshchilov and Hutter 2019) as {@code torch.optim.AdamW} computes it: decoupled weight decay
 * {@code p -= lr * wd * p}, then {@code p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)}. In plain float
 * arrays, so the optimiser state is exactly what a checkpoint saves and a resumed run continues bit for bit.
 */
public record AdamW(double beta1, double beta2, double eps, double weightDecay) {

    /**
     * One update of {@code param} with its gradient and moments (updated in place).
     *
     * @param step 1-based step count, for the bias corrections
     */
    public void update(float[] param, float[] grad, float[] m, float[] v, long step, double lr) {
        double correction1 = 1 - Math.pow(beta1, step);
        double correction2Root = Math.sqrt(1 - Math.pow(beta2, step));
        float decay = (float) (1 - lr * weightDecay);
        float b1 = (float) beta1;
        float b2 = (float) beta2;
        float stepSize = (float) (lr / correction1);
        for (int i = 0; i < param.length; i++) {
            float g = grad[i];
            param[i] *= decay;
            m[i] = b1 * m[i] + (1 - b1) * g;
            v[i] = b2 * v[i] + (1 - b2) * g * g;
            float denom = (float) (Math.sqrt(v[i]) / correction2Root + eps);
            param[i] -= stepSize * m[i] / denom;
        }
    }

    /**
     * Scales the gradients so that their global L2 norm is at most {@code maxNorm}, as
     * {@code torch.nn.utils.clip_grad_norm_}; returns the norm before clipping.
     */
    public static double clipGlobalNorm(float[][] grads, double maxNorm) {
        double sum = 0;
        for (float[] g : grads) {
            for (float x : g) {
                sum += (double) x * x;
            }
        }
        double norm = Math.sqrt(sum);
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1) {
            float c = (float) coef;
            for (float[] g : grads) {
                for (int i = 0; i < g.length; i++) {
                    g[i] *= c;
                }
            }
        }
        return norm;
    }
}
