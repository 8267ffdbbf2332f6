package io.dreamid.diffusion.pipeline;

/** The job was cancelled; generation stopped between two steps (or before storing an image). */
public class GenerationCancelledException extends RuntimeException {
    public GenerationCancelledException(String where) {
        super("cancelled " + where);
    }
}
