package io.dreamid.diffusion.pipeline;

/**
 * The K pseudo-word embeddings S* of an identity, row-major [words, width], in the text encoder's input embedding
 * space.
 */
public record IdentityEmbedding(float[] values, int words, int width) {
    public IdentityEmbedding {
        if (words < 1 || width < 1 || values.length != words * width) {
            throw new IllegalArgumentException("an identity embedding needs words x width values, got "
                    + values.length + " for " + words + " x " + width);
        }
    }
}
