package io.dreamid.diffusion.pipeline;

/**
 * The text encoder's states for one prompt, ready for the UNet.
 *
 * @param hidden   [batch, sequence, width] row-major; batch 2 is (negative prompt, prompt)
 * @param batch    2 with classifier-free guidance, else 1
 * @param sequence tokens per prompt (77 for CLIP)
 * @param prompt   the prompt's token ids and where S* went, for inspection
 */
public record TextConditioning(float[] hidden, int batch, int sequence, PromptEmbedder.Embedded prompt) {
}
