package io.dreamid.encoder.model;

/**
 * The exact GELU, x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)), as torch's {@code nn.GELU()} computes it (not the tanh
 * approximation). The JDK has no erf, so it is computed here in double precision.
 */
public final class Gelu {
    private static final double TWO_OVER_SQRT_PI = 2.0 / Math.sqrt(Math.PI);
    private static final double INV_SQRT2 = 1.0 / Math.sqrt(2.0);
    /** erf(6) differs from 1 by 2e-17, below double precision. */
    private static final double SATURATION = 6.0;

    private Gelu() {
    }

    /** Applies GELU to every element, in place. */
    public static void apply(float[] values) {
        for (int i = 0; i < values.length; i++) {
            double x = values[i];
            values[i] = (float) (0.5 * x * (1.0 + erf(x * INV_SQRT2)));
        }
    }

    /**
     * erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n (2x^2)^n x / (1*3*...*(2n+1)) (Abramowitz and Stegun 7.1.6). Every
     * term is positive, so the sum loses no precision to cancellation; it needs about 2x^2 + 40 terms, at most a
     * few hundred below the saturation point.
     */
    public static double erf(double x) {
        double a = Math.abs(x);
        if (a >= SATURATION) {
            return Math.signum(x);
        }
        double twoX2 = 2.0 * a * a;
        double term = a;
        double sum = a;
        for (int n = 1; term > 1e-17 * sum; n++) {
            term *= twoX2 / (2 * n + 1);
            sum += term;
        }
        return Math.copySign(TWO_OVER_SQRT_PI * Math.exp(-a * a) * sum, x);
    }
}
