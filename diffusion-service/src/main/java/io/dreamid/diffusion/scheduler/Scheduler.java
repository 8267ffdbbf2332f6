package io.dreamid.diffusion.scheduler;

/**
 * A diffusers-style sampler over flat float32 latents (any shape, row-major). The denoising loop is:
 *
 * <pre>{@code
 * scheduler.setTimesteps(steps);
 * float[] latents = noise.next(n);  // then multiplied by initNoiseSigma()
 * for (int i = 0; i < scheduler.timesteps().length; i++) {
 *     float[] input = scheduler.scaleModelInput(latents, i);
 *     float[] output = unet(input, scheduler.timestepValues()[i]);   // guidance applied by the caller
 *     latents = scheduler.step(output, i, latents, noise);
 * }
 * }</pre>
 *
 * <p>Instances hold per-run state (multistep history): one instance per image being generated, steps called
 * in order from 0. Not thread-safe.
 */
public interface Scheduler {

    /** Prepares a run of {@code steps} inference steps and resets the multistep state. */
    void setTimesteps(int steps);

    /**
     * The model timesteps in denoising order, as integers: what a UNet with an int64 timestep input receives
     * (diffusers' ONNX pipeline casts with {@code np.array(t, dtype=int64)}, i.e. truncation). PNDM returns
     * steps + 1 entries (PLMS repeats its second timestep); loop over this array, not over {@code steps}.
     */
    int[] timesteps();

    /**
     * The model timesteps as diffusers computes them (float32): fractional for Euler schedulers with
     * "linspace" spacing. Feed these to a UNet whose timestep input is a float tensor.
     */
    float[] timestepValues();

    /** Standard deviation of the initial latents: multiply unit Gaussian noise by it. */
    float initNoiseSigma();

    /**
     * The UNet input for step {@code stepIndex}: {@code sample} itself where the scheduler needs no scaling,
     * otherwise a new array. The argument is never modified.
     */
    float[] scaleModelInput(float[] sample, int stepIndex);

    /**
     * One denoising step: the sample at the next (lower) noise level, as a new array; the arguments are not
     * modified. {@code noise} is drawn from only by ancestral schedulers (it may be null for the others).
     *
     * @throws IllegalArgumentException if the arrays differ in length or {@code stepIndex} is out of range
     * @throws IllegalStateException    if a multistep scheduler is called out of order or before
     *                                  {@link #setTimesteps}
     */
    float[] step(float[] modelOutput, int stepIndex, float[] sample, GaussianNoise noise);
}
