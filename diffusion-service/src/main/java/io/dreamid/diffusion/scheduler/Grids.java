package io.dreamid.diffusion.scheduler;

/**
 * numpy's grid functions with numpy's float64 arithmetic, so that timesteps land on the same integers as in
 * diffusers even at .5 boundaries (numpy rounds half to even, like {@link Math#rint}).
 */
final class Grids {

    private Grids() {
    }

    /** {@code np.linspace(start, stop, num)}: i * step + start, the last value exactly stop. */
    static double[] linspace(double start, double stop, int num) {
        double[] y = new double[num];
        if (num == 1) {
            y[0] = start;
            return y;
        }
        double step = (stop - start) / (num - 1);
        for (int i = 0; i < num; i++) {
            y[i] = i * step + start;
        }
        y[num - 1] = stop;
        return y;
    }

    /**
     * {@code np.arange(start, stop, step)} for float steps: length ceil((stop - start) / step); numpy fills
     * start + i * delta with delta re-derived as (start + step) - start.
     */
    static double[] arange(double start, double stop, double step) {
        int length = (int) Math.max(0, Math.ceil((stop - start) / step));
        double[] y = new double[length];
        if (length == 0) {
            return y;
        }
        y[0] = start;
        if (length == 1) {
            return y;
        }
        y[1] = start + step;
        double delta = y[1] - start;
        for (int i = 2; i < length; i++) {
            y[i] = start + i * delta;
        }
        return y;
    }

    /** The "trailing" grid of Lin et al. 2024 table 2: round(arange(from, 0, -n/steps)) - 1. */
    static long[] trailing(int from, int numTrainTimesteps, int steps) {
        double[] grid = arange(from, 0, -(numTrainTimesteps / (double) steps));
        long[] timesteps = new long[grid.length];
        for (int i = 0; i < grid.length; i++) {
            timesteps[i] = (long) Math.rint(grid[i]) - 1;
        }
        return timesteps;
    }
}
