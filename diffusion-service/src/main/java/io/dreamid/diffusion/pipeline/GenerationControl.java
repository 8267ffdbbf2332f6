package io.dreamid.diffusion.pipeline;

/** What the denoising loop asks and tells between steps. Called on the generating thread. */
public interface GenerationControl {
    GenerationControl NONE = new GenerationControl() {
        @Override
        public boolean cancelled() {
            return false;
        }

        @Override
        public void stepDone(int done, int total) {
        }
    };

    /** Checked before every step; true stops the loop with {@link GenerationCancelledException}. */
    boolean cancelled();

    /** After each step: {@code done} of {@code total} model evaluations of this image. */
    void stepDone(int done, int total);
}
