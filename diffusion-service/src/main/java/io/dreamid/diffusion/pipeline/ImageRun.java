package io.dreamid.diffusion.pipeline;

import io.dreamid.diffusion.scheduler.GaussianNoise;
import io.dreamid.diffusion.scheduler.Scheduler;

/**
 * One image on its way through the denoising loop: its text states, its own scheduler (multistep ones keep
 * history), its seeded noise and its latents. Images of several prompts and jobs can share UNet runs
 * ({@link StableDiffusionPipeline#denoise}); each keeps its own control (cancellation, progress) and timings.
 * Made by {@link StableDiffusionPipeline#prepare}; used by one thread at a time.
 */
public final class ImageRun {
    final TextConditioning text;
    final GenerationParams params;
    final int imageIndex;
    final GenerationControl control;
    final Timings timings;
    final Scheduler scheduler;
    final GaussianNoise noise;
    final int latentHeight;
    final int latentWidth;
    float[] latents;
    /** Where the run stopped because its control said so, or null. */
    String cancelledAt;
    boolean denoised;
    /** The most images this one shared a UNet run with, itself included. */
    int batchImages;

    ImageRun(TextConditioning text, GenerationParams params, int imageIndex, GenerationControl control,
            Timings timings, Scheduler scheduler, GaussianNoise noise, int latentHeight, int latentWidth,
            float[] latents) {
        this.text = text;
        this.params = params;
        this.imageIndex = imageIndex;
        this.control = control;
        this.timings = timings;
        this.scheduler = scheduler;
        this.noise = noise;
        this.latentHeight = latentHeight;
        this.latentWidth = latentWidth;
        this.latents = latents;
    }

    public GenerationParams params() {
        return params;
    }

    public int imageIndex() {
        return imageIndex;
    }

    public GenerationControl control() {
        return control;
    }

    public Timings timings() {
        return timings;
    }

    /** UNet samples this image takes in a run: 2 with classifier-free guidance (unconditional, conditional), else 1. */
    public int samples() {
        return text.batch();
    }

    /** Latent pixels of one sample (the UNet's activations grow with them). */
    public long latentPixels() {
        return (long) latentHeight * latentWidth;
    }

    /** Whether the loop ended early for this image because its control was cancelled. */
    public boolean cancelled() {
        return cancelledAt != null;
    }

    /** Whether every denoising step of this image has run. */
    public boolean denoised() {
        return denoised;
    }

    /** The most images this one shared a UNet run with, itself included (1: it ran alone). */
    public int batchImages() {
        return batchImages;
    }

    /** Marks the run stopped before a step (its job was cancelled or the service is stopping). */
    void cancel(String where) {
        cancelledAt = where;
    }

    /** The cancellation to throw on the image's own thread. */
    public GenerationCancelledException cancellation() {
        return new GenerationCancelledException(cancelledAt);
    }
}
