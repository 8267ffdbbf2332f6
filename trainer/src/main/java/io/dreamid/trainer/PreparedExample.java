package io.dreamid.trainer;

/**
 * One training pair with everything frozen precomputed once: the portrait's pooled backbone features (the backbone
 * is frozen, so they never change), the edit prompt's input embeddings with zeros at the K identity slots, and the
 * edited image's scaled VAE latents.
 *
 * @param features      [L, D], tap order
 * @param embeds        [S, width]
 * @param identityStart first of the K identity positions in {@code embeds}
 * @param latents       [4, h, w], already multiplied by the VAE scaling factor
 */
public record PreparedExample(float[] features, float[] embeds, int identityStart, float[] latents) {
}
