package io.dreamid.diffusion.pipeline;

import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.messages.Placeholders;
import io.dreamid.diffusion.bundle.BundleException;
import io.dreamid.common.tokenizer.ClipTokenizer;
import io.dreamid.common.tokenizer.PromptBudget;
import io.dreamid.common.tokenizer.TokenizedPrompt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Turns a prompt into the text encoder's input embeddings [maxLength, width]: token embeddings looked up in the
 * table cut out of the text encoder, with each person's K embeddings at K consecutive positions where the prompt
 * names that person: {@code {id}} (the one person of the job) or {@code {id:NAME}} (one of several; a name may be
 * used more than once, each use gets the person's K words).
 *
 * <p>The text between placeholders is tokenized piece by piece, and the sequence is
 * {@code [bos] text0 S*(a) text1 S*(b) ... textN [eos] [pad]...}. The budget counts K words per placeholder: when
 * even the last person's words do not fit before the end token the prompt is refused with the numbers; otherwise
 * only the text after the last person is cut (like CLIP's truncation, the end token stays last).
 */
public final class PromptEmbedder {
    /** Marks an identity slot in {@link Embedded#ids()}: no vocabulary token sits there. */
    public static final int IDENTITY_SLOT = -1;

    private final ClipTokenizer tokenizer;
    private final float[] table;
    private final int vocabSize;
    private final int width;

    /**
     * Where one person's words sit.
     *
     * @param name  the placeholder's name ({@link Placeholders#ONE} for {@code {id}})
     * @param start first position of S*
     * @param words K
     */
    public record Slot(String name, int start, int words) {
    }

    /**
     * @param ids    the token id at each position ({@link #IDENTITY_SLOT} at the identities' positions)
     * @param embeds [maxLength, width] row-major
     * @param slots  the people's positions, in prompt order; empty for a prompt that names nobody
     */
    public record Embedded(int[] ids, float[] embeds, List<Slot> slots) {
        /** First position of the first person's words, or -1 for a prompt that names nobody. */
        public int identityStart() {
            return slots.isEmpty() ? -1 : slots.get(0).start();
        }

        /** K of the first person, or 0. */
        public int identityWords() {
            return slots.isEmpty() ? 0 : slots.get(0).words();
        }
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
        return embed(prompt, Map.of());
    }

    /**
     * @param identity the identity to place at {@code {id}}; null for plain text-to-image (then the prompt must
     *                 name nobody)
     */
    public Embedded embed(String prompt, IdentityEmbedding identity) {
        return embed(prompt, identity == null ? Map.of() : Map.of(Placeholders.ONE, identity));
    }

    /**
     * @param people each placeholder name's identity ({@link Placeholders#ONE} for {@code {id}}); every name the
     *               prompt uses must be there
     */
    public Embedded embed(String prompt, Map<String, IdentityEmbedding> people) {
        List<Placeholders.Found> found = Placeholders.find(prompt);
        if (found.isEmpty()) {
            TokenizedPrompt tokens = tokenizer.encode(prompt);
            return new Embedded(tokens.ids(), lookup(tokens.ids()), List.of());
        }
        List<IdentityEmbedding> identities = new ArrayList<>();
        for (Placeholders.Found f : found) {
            identities.add(identityOf(prompt, f, people));
        }
        if (found.stream().filter(f -> f.name().equals(Placeholders.ONE)).count() > 1) {
            throw new GenerationException(ErrorCodes.BAD_SPEC, "use the placeholder " + JobSpec.PLACEHOLDER
                    + " once per prompt: \"" + prompt + "\"");
        }
        List<int[]> texts = new ArrayList<>();
        int from = 0;
        for (Placeholders.Found f : found) {
            texts.add(tokenizer.tokenize(prompt.substring(from, f.start())));
            from = f.end();
        }
        int[] after = tokenizer.tokenize(prompt.substring(from));
        int max = tokenizer.maxLength();
        int textTokens = texts.stream().mapToInt(t -> t.length).sum();
        PromptBudget budget = new PromptBudget(textTokens,
                identities.stream().mapToInt(IdentityEmbedding::words).sum(), found.size(), max);
        if (!budget.fits()) {
            throw new GenerationException(ErrorCodes.BAD_SPEC, budget.refusal(prompt));
        }
        int[] ids = new int[max];
        Arrays.fill(ids, tokenizer.padId());
        ids[0] = tokenizer.bosId();
        int at = 1;
        List<Slot> slots = new ArrayList<>();
        for (int i = 0; i < found.size(); i++) {
            System.arraycopy(texts.get(i), 0, ids, at, texts.get(i).length);
            at += texts.get(i).length;
            int k = identities.get(i).words();
            Arrays.fill(ids, at, at + k, IDENTITY_SLOT);
            slots.add(new Slot(found.get(i).name(), at, k));
            at += k;
        }
        int keptAfter = Math.min(after.length, max - 1 - at);
        System.arraycopy(after, 0, ids, at, keptAfter);
        ids[at + keptAfter] = tokenizer.eosId();
        float[] embeds = lookup(ids);
        // Each person's S* replaces the token embeddings of their placeholder: one position per pseudo-word.
        for (int i = 0; i < slots.size(); i++) {
            Slot slot = slots.get(i);
            System.arraycopy(identities.get(i).values(), 0, embeds, slot.start() * width, slot.words() * width);
        }
        return new Embedded(ids, embeds, List.copyOf(slots));
    }

    private IdentityEmbedding identityOf(String prompt, Placeholders.Found f, Map<String, IdentityEmbedding> people) {
        IdentityEmbedding identity = people.get(f.name());
        if (identity == null) {
            String placeholder = prompt.substring(f.start(), f.end());
            throw new GenerationException(ErrorCodes.BAD_SPEC, "the prompt \"" + prompt + "\" names a person with "
                    + placeholder + " but the job carries no identity for " + (f.name().equals(Placeholders.ONE)
                    ? "it; remove the placeholder or give a photo" : "\"" + f.name() + "\"; name one in people"));
        }
        if (identity.width() != width) {
            throw new GenerationException(ErrorCodes.BAD_SPEC, "the identity embedding is " + identity.width()
                    + " wide but this model's text encoder takes " + width + ": the identity was made for another"
                    + " model (encode the face again with an encoder for this model)");
        }
        return identity;
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
