package io.dreamid.diffusion.pipeline;

import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.diffusion.TinyBundles;
import io.dreamid.diffusion.bundle.SdBundle;
import io.dreamid.diffusion.onnx.RuntimeOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;

import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Several people in one prompt ({@code {id:NAME}}): each placeholder gets its person's K words at the token positions
 * the text before it takes, the text tokens are those of the prompt without its placeholders, and a prompt whose
 * people do not fit in the text encoder's 77 positions is refused with the numbers.
 */
class NamedPlaceholdersTest {
    private static final int WIDTH = 32;
    private static StableDiffusionPipeline pipeline;

    @BeforeAll
    static void load() {
        pipeline = StableDiffusionPipeline.load(SdBundle.open(TinyBundles.sd1()), RuntimeOptions.CPU_DEFAULTS);
    }

    @AfterAll
    static void close() {
        pipeline.close();
    }

    @Test
    void onePlaceholder() {
        checkLayout("a photo of {id:ada} in the garden", people("ada", 2));
    }

    @Test
    void twoPlaceholders() {
        checkLayout("{id:ada} and {id:grace} having tea", people("ada", 2, "grace", 3));
    }

    @Test
    void threePlaceholders() {
        checkLayout("a painting of {id:ada}, {id:grace} and {id:alan} at a desk",
                people("ada", 2, "grace", 1, "alan", 4));
    }

    @Test
    void aNameUsedTwiceGetsItsWordsTwice() {
        Map<String, IdentityEmbedding> people = people("ada", 3, "grace", 2);
        PromptEmbedder.Embedded e = checkLayout("{id:ada} meets {id:grace} and {id:ada} again", people);

        assertThat(e.slots()).extracting(PromptEmbedder.Slot::name).containsExactly("ada", "grace", "ada");
    }

    @Test
    void theBudgetCountsKWordsPerPlaceholderAndRefusesWithTheNumbers() {
        String prompt = "a photo of {id:ada} and {id:grace} in the garden";
        int text = textTokens("a photo of") + textTokens("and");
        // Start token, the text before the last person, 8 + k words, end token: exactly 78 positions, one too many.
        int k = 76 - text - 8;
        assertThatThrownBy(() -> embed(prompt, people("ada", 8, "grace", k)))
                .isInstanceOf(GenerationException.class)
                .hasMessageContaining("needs 78 tokens up to its last person")
                .hasMessageContaining(text + " of text, " + (8 + k) + " identity words for 2 placeholders")
                .hasMessageContaining("reads 77")
                .extracting(ex -> ((GenerationException) ex).code()).isEqualTo(ErrorCodes.BAD_SPEC);
        // One word less fits exactly: the end token is the 77th and the text after the last person is cut.
        PromptEmbedder.Embedded fits = embed(prompt, people("ada", 8, "grace", k - 1));
        assertThat(fits.slots().get(1).start()).isEqualTo(1 + text + 8);
        assertThat(fits.ids()[76]).isEqualTo(913);
    }

    @Test
    void aNameWithoutAnIdentityIsRefused() {
        assertThatThrownBy(() -> embed("{id:ada} and {id:bob}", people("ada", 2)))
                .isInstanceOf(GenerationException.class).hasMessageContaining("no identity for \"bob\"");
    }

    /**
     * Checks the layout against the token positions: with the identity slots taken out, the ids are those of the
     * prompt with its placeholders removed; each placeholder's slot starts after the tokens of the text before it
     * (plus the start token and the words of the people before it); each slot holds its own person's S*.
     */
    private static PromptEmbedder.Embedded checkLayout(String prompt, Map<String, IdentityEmbedding> people) {
        PromptEmbedder.Embedded e = embed(prompt, people);
        String[] pieces = prompt.split("\\{id:[A-Za-z0-9_-]+}", -1);
        assertThat(e.slots()).hasSize(pieces.length - 1);

        int[] withoutSlots = Arrays.stream(e.ids()).filter(id -> id != PromptEmbedder.IDENTITY_SLOT).toArray();
        int[] plain = embed(String.join(" ", pieces), Map.of()).ids();
        int words = e.slots().stream().mapToInt(PromptEmbedder.Slot::words).sum();
        assertThat(Arrays.copyOf(withoutSlots, 77 - words)).containsExactly(Arrays.copyOf(plain, 77 - words));

        int wordsBefore = 0;
        StringBuilder before = new StringBuilder();
        for (int i = 0; i < e.slots().size(); i++) {
            before.append(pieces[i]).append(' ');
            PromptEmbedder.Slot slot = e.slots().get(i);
            assertThat(slot.start()).as("start of slot %d", i).isEqualTo(1 + textTokens(before.toString()) + wordsBefore);
            IdentityEmbedding person = people.get(slot.name());
            assertThat(slot.words()).isEqualTo(person.words());
            for (int k = 0; k < slot.words(); k++) {
                int at = slot.start() + k;
                assertThat(e.ids()[at]).isEqualTo(PromptEmbedder.IDENTITY_SLOT);
                assertThat(Arrays.copyOfRange(e.embeds(), at * WIDTH, (at + 1) * WIDTH)).as("slot %d word %d", i, k)
                        .containsExactly(Arrays.copyOfRange(person.values(), k * WIDTH, (k + 1) * WIDTH));
            }
            wordsBefore += slot.words();
        }
        return e;
    }

    /** Tokens of plain text without start and end: the position of the end token of its plain encoding, minus 1. */
    private static int textTokens(String text) {
        int[] ids = embed(text, Map.of()).ids();
        return IntStream.range(1, ids.length).filter(i -> ids[i] == 913).findFirst().orElseThrow() - 1;
    }

    private static PromptEmbedder.Embedded embed(String prompt, Map<String, IdentityEmbedding> people) {
        return pipeline.encodePromptWithPeople(prompt, "", people, false, new Timings()).prompt();
    }

    /** People with distinct S* (every value different), name and K in pairs. */
    private static Map<String, IdentityEmbedding> people(Object... nameAndWords) {
        Map<String, IdentityEmbedding> people = new LinkedHashMap<>();
        for (int p = 0; p < nameAndWords.length; p += 2) {
            int k = (Integer) nameAndWords[p + 1];
            float[] values = new float[k * WIDTH];
            for (int i = 0; i < values.length; i++) {
                values[i] = (p + 1) * 100 + i * 0.01f;
            }
            people.put((String) nameAndWords[p], new IdentityEmbedding(values, k, WIDTH));
        }
        return people;
    }

}
