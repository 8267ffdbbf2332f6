package io.dreamid.common.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Proves the tokenizer gives, with the real CLIP vocabulary, the ids of an independent simple_tokenizer run. */
class ClipTokenizerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path clipDir;
    private static ClipTokenizer clip;
    private static JsonNode golden;

    @BeforeAll
    static void load() throws IOException, URISyntaxException {
        clipDir = Path.of(ClipTokenizerTest.class.getResource("/io/dreamid/common/tokenizer/clip/vocab.json").toURI()).getParent();
        clip = ClipTokenizer.fromDirectory(clipDir);
        try (InputStream in = ClipTokenizerTest.class.getResourceAsStream("/tokenizer/clip-golden.json")) {
            golden = JSON.readTree(in);
        }
    }

    @Test
    void theBundledVocabularyIsTheFolderOne() {
        ClipTokenizer bundled = ClipTokenizer.clip();
        assertThat(bundled.vocabSize()).isEqualTo(clip.vocabSize());
        assertThat(bundled.maxLength()).isEqualTo(77);
        for (JsonNode c : golden.path("cases")) {
            assertThat(bundled.tokenize(c.path("prompt").asText())).isEqualTo(clip.tokenize(c.path("prompt").asText()));
        }
    }

    @Test
    void tokenIdsEqualTheReferenceForEveryGoldenPrompt() {
        JsonNode cases = golden.get("cases");
        assertThat(cases.size()).isGreaterThanOrEqualTo(20);
        for (JsonNode c : cases) {
            String prompt = c.get("prompt").asText();
            assertThat(clip.tokenize(prompt)).as("ids of %s", prompt).containsExactly(ints(c.get("ids")));
        }
    }

    @Test
    void promptsAsPeopleTypeThemAreFixedLikeFtfyDoes() {
        List<JsonNode> fixes = StreamSupport.stream(golden.get("cases").spliterator(), false)
                .filter(c -> c.has("fixed")).toList();
        assertThat(fixes).hasSizeGreaterThanOrEqualTo(15);
        for (JsonNode c : fixes) {
            String prompt = c.get("prompt").asText();
            assertThat(FtfyText.fixText(prompt)).as("ftfy.fix_text of %s", prompt).isEqualTo(c.get("fixed").asText());
        }
    }

    @Test
    void encodedPromptsEqualStableDiffusionInputIds() {
        for (JsonNode c : golden.get("cases")) {
            String prompt = c.get("prompt").asText();
            TokenizedPrompt encoded = clip.encode(prompt);
            assertThat(encoded.ids()).as("input_ids of %s", prompt).containsExactly(ints(c.get("input_ids")));
            assertThat(encoded.length()).as("length of %s", prompt).isEqualTo(c.get("length").asInt());
        }
    }

    @Test
    void longPromptsAreTruncatedKeepingTheEndToken() {
        String longPrompt = "a very long prompt " + "word ".repeat(200);
        assertThat(clip.tokenize(longPrompt)).hasSizeGreaterThan(200);
        TokenizedPrompt encoded = clip.encode(longPrompt);
        assertThat(encoded.ids()).hasSize(77);
        assertThat(encoded.length()).isEqualTo(77);
        assertThat(encoded.ids()[0]).isEqualTo(49406);
        assertThat(encoded.ids()[76]).isEqualTo(49407);
    }

    @Test
    void specialIdsAndSizesAreThoseOfClip() {
        assertThat(clip.bosId()).isEqualTo(49406);
        assertThat(clip.eosId()).isEqualTo(49407);
        assertThat(clip.padId()).isEqualTo(49407);
        assertThat(clip.maxLength()).isEqualTo(77);
        assertThat(clip.vocabSize()).isEqualTo(49408);
        assertThat(clip.tokenId("cat</w>")).isEqualTo(2368);
        assertThat(clip.tokenId("no such token")).isEqualTo(-1);
    }

    @Test
    void tokenizerJsonLayoutGivesTheSameIds(@TempDir Path dir) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.set("vocab", JSON.readTree(clipDir.resolve("vocab.json").toFile()));
        ArrayNode merges = model.putArray("merges");
        List<String> lines = Files.readAllLines(clipDir.resolve("merges.txt"), StandardCharsets.UTF_8);
        for (int i = 1; i < lines.size(); i++) {
            String[] pair = lines.get(i).split(" ");
            // Newer tokenizers write merges as pairs, older ones as "a b" strings; accept a mix of both.
            if (i % 2 == 0) {
                merges.add(lines.get(i));
            } else {
                merges.addArray().add(pair[0]).add(pair[1]);
            }
        }
        JSON.writeValue(dir.resolve("tokenizer.json").toFile(), root);
        ClipTokenizer fast = ClipTokenizer.fromDirectory(dir);
        for (JsonNode c : golden.get("cases")) {
            assertThat(fast.tokenize(c.get("prompt").asText())).containsExactly(ints(c.get("ids")));
        }
    }

    @Test
    void configFilesSetPaddingAndLengthLikeStableDiffusion2(@TempDir Path dir) throws IOException {
        copyClip(dir);
        // SD 2.x tokenizer_config.json: pad with "!" (id 0); the AddedToken object form is used for bos.
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"model_max_length\": 77, \"pad_token\": \"!\","
                + " \"bos_token\": {\"__type\": \"AddedToken\", \"content\": \"<|startoftext|>\"}}");
        ClipTokenizer sd2 = ClipTokenizer.fromDirectory(dir);
        TokenizedPrompt encoded = sd2.encode("a photo of a cat");
        assertThat(sd2.padId()).isZero();
        assertThat(encoded.length()).isEqualTo(7);
        assertThat(encoded.ids()).startsWith(49406, 320, 1125, 539, 320, 2368, 49407, 0);
        assertThat(encoded.ids()[76]).isZero();

        Files.writeString(dir.resolve("special_tokens_map.json"), "{\"pad_token\": \"<|endoftext|>\"}");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"model_max_length\": 16}");
        ClipTokenizer shortOne = ClipTokenizer.fromDirectory(dir);
        assertThat(shortOne.maxLength()).isEqualTo(16);
        assertThat(shortOne.padId()).isEqualTo(49407);
        assertThat(shortOne.encode("word ".repeat(40)).ids()).hasSize(16).endsWith(49407);

        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"model_max_length\": 1e30}");
        assertThat(ClipTokenizer.fromDirectory(dir).maxLength()).isEqualTo(77);
    }

    @Test
    void unknownSymbolsOfASmallVocabularyMapToTheUnknownToken(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("vocab.json"), "{\"a</w>\": 0, \"c\": 1, \"a\": 2, \"ca</w>\": 3,"
                + " \"<|startoftext|>\": 4, \"<|endoftext|>\": 5}");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\nc a</w>\n");
        ClipTokenizer tiny = ClipTokenizer.fromDirectory(dir);
        assertThat(tiny.tokenize("CA a z")).containsExactly(3, 0, 5);
        assertThat(tiny.vocabSize()).isEqualTo(6);
    }

    @Test
    void badFoldersAreRefusedWithTheFileNamed(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> ClipTokenizer.fromDirectory(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("neither vocab.json + merges.txt nor tokenizer.json");

        copyClip(dir);
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"pad_token\": \"<pad>\"}");
        assertThatThrownBy(() -> ClipTokenizer.fromDirectory(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pad_token '<pad>'")
                .hasMessageContaining("tokenizer_config.json")
                .hasMessageContaining("not in the vocabulary");

        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"model_max_length\": 1}");
        assertThatThrownBy(() -> ClipTokenizer.fromDirectory(dir))
                .hasMessageContaining("model_max_length must be an integer >= 2");

        Files.writeString(dir.resolve("tokenizer_config.json"), "{");
        assertThatThrownBy(() -> ClipTokenizer.fromDirectory(dir))
                .hasMessageContaining("tokenizer_config.json is not valid JSON");

        Files.delete(dir.resolve("tokenizer_config.json"));
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\ni n\nthree symbols here\n");
        assertThatThrownBy(() -> ClipTokenizer.fromDirectory(dir))
                .hasMessageContaining("merges.txt line 3");
    }

    @Test
    void pythonWhitespaceRulesAreFollowed() {
        assertThat(ClipTokenizer.whitespaceClean("\u001f a \t\u00a0 b\u001c")).isEqualTo("a b");
        assertThat(ClipTokenizer.whitespaceClean("a\u001cb")).isEqualTo("a\u001cb");
        assertThat(HtmlUnescape.unescape("&amp;amp; &copy2024 &#x1F600; &#150; &#0; &#1114112; &notit;"))
                .isEqualTo("&amp; \u00a92024 \uD83D\uDE00 \u2013 \uFFFD \uFFFD \u00acit;");
    }

    private static void copyClip(Path dir) throws IOException {
        Files.copy(clipDir.resolve("vocab.json"), dir.resolve("vocab.json"));
        Files.copy(clipDir.resolve("merges.txt"), dir.resolve("merges.txt"));
    }

    private static int[] ints(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).mapToInt(JsonNode::asInt).toArray();
    }
}
