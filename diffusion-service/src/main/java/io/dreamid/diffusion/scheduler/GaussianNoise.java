package io.dreamid.diffusion.scheduler;

/**
 * Deterministic standard-normal numbers from a 64-bit seed, defined here bit for bit so that a seed gives the
 * same latents on every JVM (and in the Python reference, {@code tools/diffusion/reference/schedulers_ref.py}).
 *
 * <ol>
 *   <li>Uniform bits: splitmix64 (Steele, Lea and Flood 2014): {@code state += 0x9E3779B97F4A7C15};
 *       {@code z = state; z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9; z = (z ^ (z >>> 27)) * 0x94D049BB133111EB;
 *       return z ^ (z >>> 31)}, starting from {@code state = seed}.</li>
 *   <li>Uniform doubles: {@code (next >>> 11) * 2^-53}, in [0, 1).</li>
 *   <li>Normals: Marsaglia's polar method (1964), in double: draw {@code u = 2 d1 - 1}, {@code v = 2 d2 - 1}
 *       until {@code 0 < s = u^2 + v^2 < 1}; {@code m = sqrt(-2 ln(s) / s)}; the pair is {@code u m}, then
 *       {@code v m}. {@code ln} is {@link StrictMath#log} (fdlibm), identical on every platform.</li>
 *   <li>Each normal is rounded to float32. The values form one stream: {@code fill} and {@code next} consume
 *       it in order, so {@code next(3)} then {@code next(5)} equals {@code next(8)}.</li>
 * </ol>
 *
 * <p>Not thread-safe: one generator per image.
 */
public final class GaussianNoise {

    private long state;
    private double spare;
    private boolean hasSpare;

    public GaussianNoise(long seed) {
        this.state = seed;
    }

    /** Fills {@code out} with the next {@code out.length} values of the stream. */
    public void fill(float[] out) {
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) nextGaussian();
        }
    }

    /** The next {@code n} values of the stream. */
    public float[] next(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must not be negative, got " + n);
        }
        float[] out = new float[n];
        fill(out);
        return out;
    }

    private double nextGaussian() {
        if (hasSpare) {
            hasSpare = false;
            return spare;
        }
        double u;
        double v;
        double s;
        do {
            u = 2.0 * nextDouble() - 1.0;
            v = 2.0 * nextDouble() - 1.0;
            s = u * u + v * v;
        } while (s >= 1.0 || s == 0.0);
        double m = Math.sqrt(-2.0 * StrictMath.log(s) / s);
        spare = v * m;
        hasSpare = true;
        return u * m;
    }

    private double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    private long nextLong() {
        state += 0x9E3779B97F4A7C15L;
        long z = state;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
