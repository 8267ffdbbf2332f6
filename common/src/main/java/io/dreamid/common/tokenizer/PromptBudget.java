package io.dreamid.common.tokenizer;

import io.dreamid.common.messages.Placeholders;

import java.util.List;
import java.util.function.ToIntFunction;

/**
 * The text encoder's budget for a prompt that names people: the start token, the text up to the last person, K
 * words for every placeholder (a name used twice counts twice) and the end token must fit its positions (77 for
 * CLIP). Text after the last person is cut like CLIP cuts a plain prompt, so it does not count. One rule for the
 * gateway (which refuses at submission) and the diffusion stage (which lays the prompt out).
 *
 * @param textTokens   BPE tokens of the text before the last placeholder
 * @param words        identity words of all placeholders
 * @param placeholders how many placeholders the prompt has
 * @param max          the text encoder's positions
 */
public record PromptBudget(int textTokens, int words, int placeholders, int max) {

    /**
     * The budget of {@code prompt}.
     *
     * @param wordsOf K of each placeholder name ({@link Placeholders#ONE} for {@code {id}})
     */
    public static PromptBudget of(ClipTokenizer tokenizer, String prompt, ToIntFunction<String> wordsOf) {
        List<Placeholders.Found> found = Placeholders.find(prompt);
        int text = 0;
        int words = 0;
        int from = 0;
        for (Placeholders.Found f : found) {
            text += tokenizer.tokenize(prompt.substring(from, f.start())).length;
            words += wordsOf.applyAsInt(f.name());
            from = f.end();
        }
        return new PromptBudget(text, words, found.size(), tokenizer.maxLength());
    }

    /** Positions the prompt needs up to its last person, start and end tokens included; 0 when it names nobody. */
    public int needed() {
        return placeholders == 0 ? 0 : 1 + textTokens + words + 1;
    }

    public boolean fits() {
        return needed() <= max;
    }

    /** Why the prompt is refused, with the numbers and what to do. */
    public String refusal(String prompt) {
        return "the prompt needs " + needed() + " tokens up to its last person (" + textTokens + " of text, " + words
                + " identity words for " + placeholders + " placeholder" + (placeholders == 1 ? "" : "s")
                + ", start and end) but the model reads " + max + ": shorten the text before the last placeholder"
                + " or name fewer people: \"" + prompt + "\"";
    }
}
