package io.dreamid.common.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CLIP's byte-level BPE tokenizer, following OpenAI's {@code simple_tokenizer.py} (the rules Stable Diffusion's
 * text encoder was trained with): ftfy's {@code fix_text} ({@link FtfyText}: curly quotes, NFC, full-width forms,
 * ligatures, control characters, mojibake), html unescape twice, whitespace collapse and strip, lower-casing, the
 * CLIP pre-tokenizer regex, GPT-2's byte-to-unicode map, BPE with {@code </w>} on the last symbol of each word.
 * The text fixes matter: "don’t" or "ＡＢＣ" typed by a user would otherwise reach the text encoder as ids it
 * never saw in training for those words.
 *
 * <p>Thread-safe: the merge tables are immutable and the word cache is concurrent.
 */
public final class ClipTokenizer {

    static final String START_OF_TEXT = "<|startoftext|>";
    static final String END_OF_TEXT = "<|endoftext|>";
    private static final int DEFAULT_MAX_LENGTH = 77;
    /** Hugging Face writes ~1e30 as model_max_length when a tokenizer has no limit; such values mean "unset". */
    private static final long UNSET_MAX_LENGTH_THRESHOLD = 1_000_000L;
    private static final int CACHE_LIMIT = 50_000;

    private static final Pattern WORDS = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    private static final char[] BYTE_TO_UNICODE = bytesToUnicode();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Integer> vocab;
    /** Merge rank keyed by {@code first + ' ' + second}; byte-level symbols never contain a space. */
    private final Map<String, Integer> mergeRanks;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();
    private final int bosId;
    private final int eosId;
    private final int padId;
    private final int unkId;
    private final int maxLength;

    private ClipTokenizer(Map<String, Integer> vocab, Map<String, Integer> mergeRanks, SpecialTokens special) {
        this.vocab = vocab;
        this.mergeRanks = mergeRanks;
        this.bosId = special.id(vocab, "bos_token", special.bos);
        this.eosId = special.id(vocab, "eos_token", special.eos);
        this.padId = special.id(vocab, "pad_token", special.pad);
        this.unkId = special.id(vocab, "unk_token", special.unk);
        this.maxLength = special.maxLength;
    }

    /**
     * Loads a tokenizer folder: {@code vocab.json} + {@code merges.txt}, or a Hugging Face {@code tokenizer.json}
     * ({@code model.vocab}, {@code model.merges}); {@code tokenizer_config.json} and
     * {@code special_tokens_map.json} are read when present for the special tokens and {@code model_max_length}.
     *
     * @throws IllegalArgumentException if the folder lacks the files or they are malformed (the message names
     *                                  the file)
     * @throws UncheckedIOException     if a file cannot be read
     */
    public static ClipTokenizer fromDirectory(Path dir) {
        Path vocabFile = dir.resolve("vocab.json");
        Path mergesFile = dir.resolve("merges.txt");
        Path fastFile = dir.resolve("tokenizer.json");
        Map<String, Integer> vocab;
        Map<String, Integer> ranks;
        if (Files.isRegularFile(vocabFile) && Files.isRegularFile(mergesFile)) {
            vocab = readVocab(readJson(vocabFile), vocabFile.toString());
            ranks = readMergesTxt(mergesFile);
        } else if (Files.isRegularFile(fastFile)) {
            JsonNode root = readJson(fastFile);
            JsonNode model = root.path("model");
            vocab = readVocab(model.path("vocab"), fastFile.toString());
            for (JsonNode added : root.path("added_tokens")) {
                if (added.path("content").isTextual() && added.path("id").canConvertToInt()) {
                    vocab.putIfAbsent(added.get("content").asText(), added.get("id").asInt());
                }
            }
            ranks = readMergesJson(model.path("merges"), fastFile);
        } else {
            throw new IllegalArgumentException("tokenizer folder " + dir
                    + " has neither vocab.json + merges.txt nor tokenizer.json");
        }
        SpecialTokens special = new SpecialTokens();
        special.read(dir.resolve("tokenizer_config.json"));
        special.read(dir.resolve("special_tokens_map.json"));
        return new ClipTokenizer(Map.copyOf(vocab), Map.copyOf(ranks), special);
    }

    /**
     * The CLIP BPE vocabulary that Stable Diffusion 1.x and 2.x bundles use (OpenAI's, MIT; 49408 tokens, 77
     * positions), bundled in common so that a service without a diffusion bundle (the gateway) counts a prompt's
     * tokens as the diffusion stage does. SD 2.x pads with another id, which changes no count.
     */
    public static ClipTokenizer clip() {
        return BundledClip.TOKENIZER;
    }

    private static final class BundledClip {
        static final ClipTokenizer TOKENIZER = load();

        private static ClipTokenizer load() {
            try (InputStream vocab = ClipTokenizer.class.getResourceAsStream("clip/vocab.json");
                 InputStream merges = ClipTokenizer.class.getResourceAsStream("clip/merges.txt")) {
                if (vocab == null || merges == null) {
                    throw new IllegalStateException("the CLIP vocabulary is missing from the classpath"
                            + " (io/dreamid/common/tokenizer/clip/)");
                }
                Map<String, Integer> table = readVocab(JSON.readTree(vocab), "clip/vocab.json");
                Map<String, Integer> ranks = readMergesLines(new String(merges.readAllBytes(), StandardCharsets.UTF_8)
                        .lines().toList(), "clip/merges.txt");
                return new ClipTokenizer(Map.copyOf(table), Map.copyOf(ranks), new SpecialTokens());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the bundled CLIP vocabulary", e);
            }
        }
    }

    /** BPE ids of the prompt, without start and end tokens and without truncation. */
    public int[] tokenize(String text) {
        if (text == null) {
            throw new IllegalArgumentException("text must not be null (use \"\" for an empty prompt)");
        }
        String cleaned = whitespaceClean(HtmlUnescape.unescape(HtmlUnescape.unescape(FtfyText.fixText(text))).strip())
                .toLowerCase(Locale.ROOT);
        int[] ids = new int[Math.max(16, cleaned.length())];
        int count = 0;
        Matcher words = WORDS.matcher(cleaned);
        while (words.find()) {
            int[] wordIds = bpeIds(words.group());
            if (count + wordIds.length > ids.length) {
                ids = Arrays.copyOf(ids, Math.max(ids.length * 2, count + wordIds.length));
            }
            System.arraycopy(wordIds, 0, ids, count, wordIds.length);
            count += wordIds.length;
        }
        return Arrays.copyOf(ids, count);
    }

    /**
     * The text encoder's input: start token, the BPE ids truncated to {@code maxLength - 2}, end token, then the
     * pad id up to {@link #maxLength()}.
     */
    public TokenizedPrompt encode(String text) {
        int[] tokens = tokenize(text);
        int kept = Math.min(tokens.length, maxLength - 2);
        int[] ids = new int[maxLength];
        ids[0] = bosId;
        System.arraycopy(tokens, 0, ids, 1, kept);
        ids[kept + 1] = eosId;
        Arrays.fill(ids, kept + 2, maxLength, padId);
        return new TokenizedPrompt(ids, kept + 2);
    }

    public int bosId() {
        return bosId;
    }

    public int eosId() {
        return eosId;
    }

    public int padId() {
        return padId;
    }

    public int maxLength() {
        return maxLength;
    }

    public int vocabSize() {
        return vocab.size();
    }

    /** Looks a vocabulary entry up by its byte-level spelling, e.g. {@code "cat</w>"}; -1 if absent. */
    public int tokenId(String token) {
        Integer id = vocab.get(token);
        return id == null ? -1 : id;
    }

    private int[] bpeIds(String word) {
        byte[] utf8 = word.getBytes(StandardCharsets.UTF_8);
        char[] mapped = new char[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            mapped[i] = BYTE_TO_UNICODE[utf8[i] & 0xFF];
        }
        String token = new String(mapped);
        int[] cached = cache.get(token);
        if (cached != null) {
            return cached;
        }
        int[] ids;
        if (token.equals(START_OF_TEXT) || token.equals(END_OF_TEXT)) {
            // simple_tokenizer pre-seeds its cache with the two special tokens: they are never split.
            ids = new int[] {idOf(token)};
        } else {
            List<String> symbols = bpe(token);
            ids = new int[symbols.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = idOf(symbols.get(i));
            }
        }
        if (cache.size() >= CACHE_LIMIT) {
            cache.clear();
        }
        cache.put(token, ids);
        return ids;
    }

    private int idOf(String symbol) {
        Integer id = vocab.get(symbol);
        return id == null ? unkId : id;
    }

    /** Greedy BPE: repeatedly merge the adjacent pair with the lowest merge rank until none is in the table. */
    private List<String> bpe(String token) {
        List<String> word = new ArrayList<>(token.length());
        for (int i = 0; i < token.length() - 1; i++) {
            word.add(String.valueOf(token.charAt(i)));
        }
        word.add(token.charAt(token.length() - 1) + "</w>");
        while (word.size() > 1) {
            int bestRank = Integer.MAX_VALUE;
            String first = null;
            String second = null;
            for (int i = 0; i < word.size() - 1; i++) {
                Integer rank = mergeRanks.get(word.get(i) + ' ' + word.get(i + 1));
                if (rank != null && rank < bestRank) {
                    bestRank = rank;
                    first = word.get(i);
                    second = word.get(i + 1);
                }
            }
            if (first == null) {
                break;
            }
            // Every occurrence of the pair is merged, left to right without overlap, as simple_tokenizer does.
            List<String> merged = new ArrayList<>(word.size());
            int i = 0;
            while (i < word.size()) {
                if (i < word.size() - 1 && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
                    merged.add(first + second);
                    i += 2;
                } else {
                    merged.add(word.get(i));
                    i++;
                }
            }
            word = merged;
        }
        return word;
    }

    /** {@code regex.sub(r'\s+', ' ', text).strip()}: runs of Unicode White_Space become one space. */
    static String whitespaceClean(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean inRun = false;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (isWhiteSpaceProperty(cp)) {
                if (!inRun) {
                    out.append(' ');
                    inRun = true;
                }
            } else {
                out.appendCodePoint(cp);
                inRun = false;
            }
        }
        return pythonStrip(out.toString());
    }

    /** Python's {@code str.strip()}: removes characters for which {@code str.isspace()} is true. */
    static String pythonStrip(String text) {
        int start = 0;
        int end = text.length();
        while (start < end && isPythonSpace(text.codePointAt(start))) {
            start += Character.charCount(text.codePointAt(start));
        }
        while (end > start && isPythonSpace(text.codePointBefore(end))) {
            end -= Character.charCount(text.codePointBefore(end));
        }
        return text.substring(start, end);
    }

    /** The Unicode White_Space property, which the {@code regex} module's {@code \s} matches. */
    static boolean isWhiteSpaceProperty(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    /** CPython's isspace: general category Zs or bidirectional class WS, B or S (adds U+001C..U+001F). */
    static boolean isPythonSpace(int cp) {
        if (Character.getType(cp) == Character.SPACE_SEPARATOR) {
            return true;
        }
        byte bidi = Character.getDirectionality(cp);
        return bidi == Character.DIRECTIONALITY_WHITESPACE
                || bidi == Character.DIRECTIONALITY_PARAGRAPH_SEPARATOR
                || bidi == Character.DIRECTIONALITY_SEGMENT_SEPARATOR;
    }

    /**
     * GPT-2's reversible byte map: printable Latin-1 bytes keep their code point, the other 68 bytes map to
     * U+0100 upward, so every byte string is a string of visible characters with no spaces.
     */
    private static char[] bytesToUnicode() {
        char[] map = new char[256];
        int next = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char) b : (char) (256 + next++);
        }
        return map;
    }

    private static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static Map<String, Integer> readVocab(JsonNode node, String file) {
        if (!node.isObject() || node.isEmpty()) {
            throw new IllegalArgumentException(file + ": the vocabulary must be a non-empty JSON object token -> id");
        }
        Map<String, Integer> vocab = new HashMap<>(node.size() * 2);
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().canConvertToInt()) {
                throw new IllegalArgumentException(file + ": id of token '" + e.getKey() + "' is not an integer");
            }
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        return vocab;
    }

    private static Map<String, Integer> readMergesTxt(Path file) {
        try {
            return readMergesLines(Files.readAllLines(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static Map<String, Integer> readMergesLines(List<String> lines, String file) {
        Map<String, Integer> ranks = new HashMap<>(lines.size() * 2);
        int rank = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if ((i == 0 && line.startsWith("#version")) || line.isBlank()) {
                continue;
            }
            String[] pair = line.strip().split(" ");
            if (pair.length != 2) {
                throw new IllegalArgumentException(file + " line " + (i + 1)
                        + ": expected two symbols separated by one space, got '" + line + "'");
            }
            ranks.putIfAbsent(pair[0] + ' ' + pair[1], rank++);
        }
        return ranks;
    }

    private static Map<String, Integer> readMergesJson(JsonNode merges, Path file) {
        if (!merges.isArray()) {
            throw new IllegalArgumentException(file + ": model.merges must be an array");
        }
        Map<String, Integer> ranks = new HashMap<>(merges.size() * 2);
        int rank = 0;
        for (JsonNode merge : merges) {
            String key;
            if (merge.isTextual() && merge.asText().split(" ").length == 2) {
                key = merge.asText();
            } else if (merge.isArray() && merge.size() == 2) {
                key = merge.get(0).asText() + ' ' + merge.get(1).asText();
            } else {
                throw new IllegalArgumentException(file + ": merge #" + rank
                        + " must be \"a b\" or [\"a\", \"b\"], got " + merge);
            }
            ranks.putIfAbsent(key, rank++);
        }
        return ranks;
    }

    /** Special tokens and length, from defaults overridden by tokenizer_config.json then special_tokens_map.json. */
    private static final class SpecialTokens {
        String bos = START_OF_TEXT;
        String eos = END_OF_TEXT;
        String pad = END_OF_TEXT;
        String unk = END_OF_TEXT;
        int maxLength = DEFAULT_MAX_LENGTH;
        private final List<Path> sources = new ArrayList<>();

        void read(Path file) {
            if (!Files.isRegularFile(file)) {
                return;
            }
            sources.add(file);
            JsonNode root = readJson(file);
            bos = token(root, "bos_token", bos, file);
            eos = token(root, "eos_token", eos, file);
            pad = token(root, "pad_token", pad, file);
            unk = token(root, "unk_token", unk, file);
            JsonNode max = root.path("model_max_length");
            if (max.isNumber()) {
                double value = max.asDouble();
                if (value < 2 || value != Math.rint(value)) {
                    throw new IllegalArgumentException(file + ": model_max_length must be an integer >= 2, got "
                            + max);
                }
                if (value < UNSET_MAX_LENGTH_THRESHOLD) {
                    maxLength = (int) value;
                }
            }
        }

        private static String token(JsonNode root, String key, String current, Path file) {
            JsonNode node = root.path(key);
            if (node.isTextual()) {
                return node.asText();
            }
            if (node.isObject() && node.path("content").isTextual()) {
                return node.get("content").asText();
            }
            if (node.isMissingNode() || node.isNull()) {
                return current;
            }
            throw new IllegalArgumentException(file + ": " + key + " must be a string or {\"content\": ...}, got "
                    + node);
        }

        int id(Map<String, Integer> vocab, String key, String token) {
            Integer id = vocab.get(token);
            if (id == null) {
                throw new IllegalArgumentException(key + " '" + token + "' (from "
                        + (sources.isEmpty() ? "the CLIP default" : sources) + ") is not in the vocabulary");
            }
            return id;
        }
    }
}
