package io.dreamid.diffusion.pipeline;

import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.diffusion.bundle.BundleException;
import io.dreamid.diffusion.tokenizer.ClipTokenizer;
import io.dreamid.diffusion.tokenizer.TokenizedPrompt;

import java.util.Arrays;

/**
 * Turns a prompt into the text encoder's input embeddings [maxLength, width]: token embeddings looked up in the
 * table cut out of the text encoder, with the identity's K embeddings at K consecutive positions where the prompt
 * says {@code {id}}.
 *
 * <p>The text before and after the placeholder is tokenized separately, and the sequence is
 * {@code [bos] before S*(1..K) after [eos] [pad]...}; when it is too long the text after the placeholder is cut
 * (like CLIP's truncation, the end token stays last), and when even the start does not fit the prompt is refused.
 */
public final class PromptEmbedder {
    /** Marks an identity slot in {@link Embedded#ids()}: no vocabulary token sits there. */
    public static final int IDENTITY_SLOT = -1;

    private final ClipTokenizer tokenizer;
    private final float[] table;
    private final int vocabSize;
    private final int width;

    /**
     * @param ids           the token id at each position ({@link #IDENTITY_SLOT} at the identity's positions)
     * @param embeds        [maxLength, width] row-major
     * @param identityStart first position of S*, or -1 for a prompt without an identity
     * @param identityWords K, or 0
     */
    public record Embedded(int[] ids, float[] embeds, int identityStart, int identityWords) {
    }

    public PromptEmbedder(ClipTokenizer tokenizer, float[] table, int vocabSize, int width) {
        if (tokenizer.vocabSize() > vocabSize) {
            throw new BundleException("the tokenizer has " + tokenizer.vocabSize() + " tokens but the text encoder's"
                    + " embedding table only " + vocabSize + " rows: tokenizer/ and text_encoder/ do not belong together");
        }
        this.tokenizer = tokenizer;
        this.table = table;
        this.vocabSize = vocabSize;
        this.width = width;
    }

    public int width() {
        return width;
    }

    public int maxLength() {
        return tokenizer.maxLength();
    }

    /** A plain prompt (no identity); a placeholder in it is an error. */
    public Embedded embed(String prompt) {
        return embed(prompt, null);
    }

    /**
     * @param identity the identity to place at the placeholder; null for plain text-to-image (then the prompt must
     *                 not contain the placeholder)
     */
    public Embedded embed(String prompt, IdentityEmbedding identity) {
        int at = prompt.indexOf(JobSpec.PLACEHOLDER);
        if (at < 0) {
            TokenizedPrompt tokens = tokenizer.encode(prompt);
            return new Embedded(tokens.ids(), lookup(tokens.ids()), -1, 0);
        }
        if (identity == null) {
            throw new GenerationException(ErrorCodes.BAD_SPEC, "the prompt \"" + prompt + "\" names a person with "
                    + JobSpec.PLACEHOLDER + " but the job carries no identity; remove the placeholder or give a photo");
        }
        if (prompt.indexOf(JobSpec.PLACEHOLDER, at + 1) >= 0) {
            throw new GenerationException(ErrorCodes.BAD_SPEC, "use the placeholder " + JobSpec.PLACEHOLDER
                    + " once per prompt: \"" + prompt + "\"");
        }
        if (identity.width() != width) {
            throw new GenerationException(ErrorCodes.BAD_SPEC, "the identity embedding is " + identity.width()
                    + " wide but this model's text encoder takes " + width + ": the identity was made for another"
                    + " model (encode the face again with an encoder for this model)");
        }
        int[] before = tokenizer.tokenize(prompt.substring(0, at));
        int[] after = tokenizer.tokenize(prompt.substring(at + JobSpec.PLACEHOLDER.length()));
        int max = tokenizer.maxLength();
        int k = identity.words();
        int start = 1 + before.length;
        if (start + k + 1 > max) {
            throw new GenerationException(ErrorCodes.BAD_SPEC, "the text before " + JobSpec.PLACEHOLDER + " is "
                    + before.length + " tokens; with the " + k + " identity words it leaves no room in the " + max
                    + "-token prompt: move the placeholder nearer the start");
        }
        int keptAfter = Math.min(after.length, max - 1 - start - k);
        int[] ids = new int[max];
        Arrays.fill(ids, tokenizer.padId());
        ids[0] = tokenizer.bosId();
        System.arraycopy(before, 0, ids, 1, before.length);
        Arrays.fill(ids, start, start + k, IDENTITY_SLOT);
        System.arraycopy(after, 0, ids, start + k, keptAfter);
        ids[start + k + keptAfter] = tokenizer.eosId();
        float[] embeds = lookup(ids);
        // S* replaces the token embeddings of the placeholder: one position per pseudo-word.
        System.arraycopy(identity.values(), 0, embeds, start * width, k * width);
        return new Embedded(ids, embeds, start, k);
    }

    private float[] lookup(int[] ids) {
        float[] out = new float[ids.length * width];
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id == IDENTITY_SLOT) {
                continue;
            }
            if (id < 0 || id >= vocabSize) {
                throw new BundleException("token id " + id + " is outside the text encoder's table of " + vocabSize);
            }
            System.arraycopy(table, id * width, out, i * width, width);
        }
        return out;
    }
}
