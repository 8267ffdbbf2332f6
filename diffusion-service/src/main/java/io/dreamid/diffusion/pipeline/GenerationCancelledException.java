package io.dreamid.diffusion.pipeline;

/** The job was cancelled; the denoising loop stopped between two steps. */
public class GenerationCancelledException extends RuntimeException {
    public GenerationCancelledException(int step, int total) {
        super("cancelled before step " + (step + 1) + " of " + total);
    }
}
