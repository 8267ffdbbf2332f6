package io.dreamid.diffusion.pipeline;

/**
 * The sampling parameters of one image.
 *
 * @param steps         denoising steps given to the scheduler
 * @param guidanceScale classifier-free guidance scale; at most 1 runs the conditional branch only
 * @param seed          the job's seed; image {@code i} of a prompt starts from noise seeded {@code seed + i}
 * @param width         image width in pixels (multiple of 8)
 * @param height        image height in pixels (multiple of 8)
 * @param scheduler     sampler name, or null for the bundle's own ({@code _class_name} of its scheduler config)
 */
public record GenerationParams(int steps, double guidanceScale, long seed, int width, int height, String scheduler) {
    public boolean guided() {
        return guidanceScale > 1.0;
    }
}
