package io.dreamid.common.tokenizer;

/**
 * A prompt as the text encoder takes it.
 *
 * @param ids    exactly {@link ClipTokenizer#maxLength()} ids: start token, BPE tokens, end token, padding
 * @param length number of ids before the padding (start and end tokens included)
 */
public record TokenizedPrompt(int[] ids, int length) {
}
