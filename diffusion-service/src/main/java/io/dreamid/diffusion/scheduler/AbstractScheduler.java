package io.dreamid.diffusion.scheduler;

/** Timestep bookkeeping and argument checks shared by the schedulers. */
abstract class AbstractScheduler implements Scheduler {

    protected final SchedulerConfig config;
    protected final String predictionType;
    protected final float[] alphasCumprod;
    protected int[] timesteps;
    protected float[] timestepValues;

    AbstractScheduler(SchedulerConfig config) {
        this.config = config;
        this.predictionType = config.predictionType();
        this.alphasCumprod = TrainSchedule.alphasCumprod(config);
    }

    @Override
    public int[] timesteps() {
        return requireTimesteps().clone();
    }

    @Override
    public float[] timestepValues() {
        requireTimesteps();
        return timestepValues.clone();
    }

    protected int[] requireTimesteps() {
        if (timesteps == null) {
            throw new IllegalStateException("call setTimesteps before running the scheduler");
        }
        return timesteps;
    }

    protected void checkSteps(int steps) {
        if (steps < 1 || steps > config.numTrainTimesteps()) {
            throw new IllegalArgumentException("steps must lie in [1, " + config.numTrainTimesteps() + "], got "
                    + steps);
        }
    }

    /** Stores integer timesteps after checking that each one indexes the training schedule. */
    protected void setIntegerTimesteps(long[] values) {
        int[] ints = new int[values.length];
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            ints[i] = checkedTimestep(values[i]);
            floats[i] = ints[i];
        }
        timesteps = ints;
        timestepValues = floats;
    }

    protected int checkedTimestep(long t) {
        if (t < 0 || t >= config.numTrainTimesteps()) {
            throw new IllegalArgumentException("timestep " + t + " falls outside [0, " + config.numTrainTimesteps()
                    + "): lower steps_offset or raise the number of steps");
        }
        return (int) t;
    }

    protected void checkStep(float[] modelOutput, int stepIndex, float[] sample) {
        checkIndex(stepIndex);
        if (modelOutput.length != sample.length) {
            throw new IllegalArgumentException("model output has " + modelOutput.length
                    + " values but the sample has " + sample.length);
        }
    }

    protected void checkIndex(int stepIndex) {
        int[] ts = requireTimesteps();
        if (stepIndex < 0 || stepIndex >= ts.length) {
            throw new IllegalArgumentException("stepIndex must lie in [0, " + ts.length + "), got " + stepIndex);
        }
    }

    protected String spacing(String schedulerDefault) {
        return config.timestepSpacing() != null ? config.timestepSpacing() : schedulerDefault;
    }

    protected static float sqrt(float x) {
        return (float) Math.sqrt(x);
    }
}
