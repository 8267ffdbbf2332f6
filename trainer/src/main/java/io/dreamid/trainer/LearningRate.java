package io.dreamid.trainer;

/**
 * Linear warm-up over {@code warmup} steps (peak/warmup at the first step, so that no step is wasted at rate 0), then
 * a half cosine from {@code peak} down to 0 at {@code total}, as diffusers' {@code get_cosine_schedule_with_warmup}
 * after its warm-up.
 */
public record LearningRate(double peak, int warmup, int total) {

    /** The rate of 0-based step {@code step}. */
    public double at(long step) {
        if (step < warmup) {
            return peak * (step + 1) / warmup;
        }
        double progress = (double) (step - warmup) / Math.max(1, total - warmup);
        return peak * 0.5 * (1 + Math.cos(Math.PI * Math.min(1.0, progress)));
    }
}
