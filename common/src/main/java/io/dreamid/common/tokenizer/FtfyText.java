package io.dreamid.common.tokenizer;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.text.Normalizer;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ftfy's {@code fix_text} with its default settings (ftfy 6.3), the first thing CLIP's {@code simple_tokenizer}
 * does to a prompt, ported for the text people type or paste into a prompt. Each line is fixed on its own and
 * the steps repeat until the text stops changing, in ftfy's order: HTML entities (only those ending in ';',
 * plus upper-cased Latin ones, and not on a line after one with a '<'), mojibake, C1 controls read as
 * Windows-1252, Latin ligatures, full- and half-width forms, curly quotes, line breaks, lone surrogates,
 * terminal escapes, control characters, then NFC.
 *
 * <p>Mojibake: ftfy tries ten single-byte code pages behind a statistical "badness" test; this port repairs the
 * case that dominates, UTF-8 read as Windows-1252 or Latin-1 ({@code cafÃ©}, {@code itâ€™s}, also when only
 * part of the text is broken and when it was broken twice), and leaves the rarer code pages (Cyrillic, Greek,
 * Mac Roman, cp437) and the no-break-space-turned-space case alone. Well-formed text is never changed by it: a
 * run is only rewritten when its bytes are valid multi-byte UTF-8.
 *
 * <p>Port of github.com/rspeer/python-ftfy ({@code ftfy/__init__.py}, {@code fixes.py}, {@code chardata.py});
 * Copyright Robyn Speer, Apache License 2.0.
 */
final class FtfyText {

    private static final Pattern HTML_ENTITY = Pattern.compile("&#?[0-9A-Za-z]{1,24};");
    /** Upper-cased entity names ftfy also decodes ("&EACUTE;" -> "É"): only where the name means nothing else. */
    private static final Map<String, String> UPPER_CASE_ENTITIES = upperCaseEntities();
    /** Python's {@code \d} in a str pattern is any Unicode decimal digit. */
    private static final Pattern TERMINAL_ESCAPE = Pattern.compile("\u001b\\[[\\p{Nd};]*[a-zA-Z]");
    /** Windows-1252's bytes 0x80-0x9F; ftfy's "sloppy" variant keeps the five undefined ones as C1 controls. */
    private static final String CP1252_HIGH = "\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160"
            + "\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a"
            + "\u0153\u009d\u017e\u0178";
    private static final Map<Character, Integer> CP1252_BYTE = cp1252Bytes();
    private static final Map<Integer, String> LIGATURES = Map.ofEntries(
            Map.entry(0x0132, "IJ"), Map.entry(0x0133, "ij"), Map.entry(0x0149, "\u02bcn"),
            Map.entry(0x01f1, "DZ"), Map.entry(0x01f2, "Dz"), Map.entry(0x01f3, "dz"),
            Map.entry(0x01c4, "D\u017d"), Map.entry(0x01c5, "D\u017e"), Map.entry(0x01c6, "d\u017e"),
            Map.entry(0x01c7, "LJ"), Map.entry(0x01c8, "Lj"), Map.entry(0x01c9, "lj"),
            Map.entry(0x01ca, "NJ"), Map.entry(0x01cb, "Nj"), Map.entry(0x01cc, "nj"),
            Map.entry(0xfb00, "ff"), Map.entry(0xfb01, "fi"), Map.entry(0xfb02, "fl"), Map.entry(0xfb03, "ffi"),
            Map.entry(0xfb04, "ffl"), Map.entry(0xfb05, "\u017ft"), Map.entry(0xfb06, "st"));

    private FtfyText() {
    }

    static String fixText(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean unescapeHtml = true;
        int pos = 0;
        while (pos < text.length()) {
            int lineEnd = text.indexOf('\n', pos) + 1;
            if (lineEnd == 0) {
                lineEnd = text.length();
            }
            String segment = text.substring(pos, lineEnd);
            // Text with a '<' may be HTML whose entities are meant literally; ftfy then stops unescaping for good.
            if (segment.indexOf('<') >= 0) {
                unescapeHtml = false;
            }
            out.append(fixSegment(segment, unescapeHtml));
            pos = lineEnd;
        }
        return out.toString();
    }

    private static String fixSegment(String text, boolean unescapeHtml) {
        while (true) {
            String original = text;
            if (unescapeHtml) {
                text = unescapeHtml(text);
            }
            text = fixEncoding(text);
            text = fixC1Controls(text);
            text = mapCodePoints(text, LIGATURES::get);
            text = mapCodePoints(text, FtfyText::standardWidth);
            text = uncurlQuotes(text);
            text = text.replace("\r\n", "\n").replace('\r', '\n').replace('\u2028', '\n').replace('\u2029', '\n')
                    .replace('\u0085', '\n');
            text = replaceLoneSurrogates(text);
            text = TERMINAL_ESCAPE.matcher(text).replaceAll("");
            text = mapCodePoints(text, cp -> isUnwantedControl(cp) ? "" : null);
            text = Normalizer.normalize(text, Normalizer.Form.NFC);
            if (text.equals(original)) {
                return text;
            }
        }
    }

    private static String unescapeHtml(String text) {
        if (text.indexOf('&') < 0) {
            return text;
        }
        Matcher m = HTML_ENTITY.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        while (m.find()) {
            String entity = m.group();
            String value;
            if (entity.charAt(1) == '#') {
                // A numeric reference html.unescape cannot read comes back with its ';': leave it as it was.
                String unescaped = HtmlUnescape.unescape(entity);
                value = unescaped.indexOf(';') >= 0 ? entity : unescaped;
            } else {
                value = HtmlUnescape.entity(entity.substring(1));
                if (value == null) {
                    value = UPPER_CASE_ENTITIES.getOrDefault(entity.substring(1), entity);
                }
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /**
     * Rewrites each run of UTF-8-looking characters (a lead byte then its continuation bytes, as Windows-1252 or
     * Latin-1 shows them) whose bytes are valid UTF-8; a run right after a stray continuation byte is part of a
     * bigger garble and left alone, as ftfy does. Repeats for text that was broken twice.
     */
    private static String fixEncoding(String text) {
        while (true) {
            String fixed = fixEncodingOnce(text);
            if (fixed.equals(text)) {
                return text;
            }
            text = fixed;
        }
    }

    private static String fixEncodingOnce(String text) {
        StringBuilder out = null;
        int copied = 0;
        int i = 0;
        while (i < text.length()) {
            int runEnd = i;
            while (runEnd < text.length()) {
                int length = utf8SequenceLength(byteOf(text.charAt(runEnd)));
                if (length < 2 || runEnd + length > text.length()) {
                    break;
                }
                boolean continued = true;
                for (int k = 1; k < length; k++) {
                    continued &= isContinuation(byteOf(text.charAt(runEnd + k)));
                }
                if (!continued) {
                    break;
                }
                runEnd += length;
            }
            boolean afterGarble = i > 0 && isContinuation(byteOf(text.charAt(i - 1)));
            String decoded = runEnd > i && !afterGarble ? decodeUtf8(text, i, runEnd) : null;
            if (decoded != null) {
                if (out == null) {
                    out = new StringBuilder(text.length());
                }
                out.append(text, copied, i).append(decoded);
                copied = runEnd;
                i = runEnd;
            } else {
                i++;
            }
        }
        if (out == null) {
            return text;
        }
        return out.append(text, copied, text.length()).toString();
    }

    /** The byte a character came from when UTF-8 was read as Windows-1252 or Latin-1; -1 for any other. */
    private static int byteOf(char c) {
        if (c <= 0xff) {
            return c;
        }
        Integer b = CP1252_BYTE.get(c);
        return b == null ? -1 : b;
    }

    private static int utf8SequenceLength(int lead) {
        if (lead >= 0xc2 && lead <= 0xdf) {
            return 2;
        }
        if (lead >= 0xe0 && lead <= 0xef) {
            return 3;
        }
        if (lead >= 0xf0 && lead <= 0xf4) {
            return 4;
        }
        return 0;
    }

    private static boolean isContinuation(int b) {
        return b >= 0x80 && b <= 0xbf;
    }

    private static String decodeUtf8(String text, int start, int end) {
        byte[] bytes = new byte[end - start];
        for (int k = start; k < end; k++) {
            bytes[k - start] = (byte) byteOf(text.charAt(k));
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** C1 controls left over are read as Windows-1252, as web browsers do. */
    private static String fixC1Controls(String text) {
        return mapCodePoints(text, cp -> cp >= 0x80 && cp <= 0x9f ? String.valueOf(CP1252_HIGH.charAt(cp - 0x80))
                : null);
    }

    /** Full-width ASCII and half-width katakana and Hangul to their usual forms; the ideographic space to ' '. */
    private static String standardWidth(int cp) {
        if (cp == 0x3000) {
            return " ";
        }
        if (cp >= 0xff01 && cp < 0xfff0) {
            String c = Character.toString(cp);
            String alternate = Normalizer.normalize(c, Normalizer.Form.NFKC);
            return alternate.equals(c) ? null : alternate;
        }
        return null;
    }

    private static String uncurlQuotes(String text) {
        return mapCodePoints(text, cp -> cp == 0x02bc || (cp >= 0x2018 && cp <= 0x201b) ? "'"
                : cp >= 0x201c && cp <= 0x201f ? "\"" : null);
    }

    private static String replaceLoneSurrogates(String text) {
        return mapCodePoints(text, cp -> Character.isSurrogate((char) cp) && cp <= 0xffff ? "\ufffd" : null);
    }

    /** ASCII controls other than tab and line breaks, deprecated format controls, the BOM, annotation marks. */
    private static boolean isUnwantedControl(int cp) {
        return cp <= 0x08 || cp == 0x0b || (cp >= 0x0e && cp <= 0x1f) || cp == 0x7f
                || (cp >= 0x206a && cp <= 0x206f) || cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffc);
    }

    /** Replaces each code point the mapping knows (null: keep it); returns the same string when nothing changed. */
    private static String mapCodePoints(String text, java.util.function.IntFunction<String> mapping) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int next = i + Character.charCount(cp);
            String replacement = mapping.apply(cp);
            if (replacement != null && out == null) {
                out = new StringBuilder(text.length()).append(text, 0, i);
            }
            if (out != null) {
                if (replacement != null) {
                    out.append(replacement);
                } else {
                    out.append(text, i, next);
                }
            }
            i = next;
        }
        return out == null ? text : out.toString();
    }

    private static Map<Character, Integer> cp1252Bytes() {
        Map<Character, Integer> bytes = new HashMap<>();
        for (int k = 0; k < CP1252_HIGH.length(); k++) {
            char c = CP1252_HIGH.charAt(k);
            if (c > 0xff) {
                bytes.put(c, 0x80 + k);
            }
        }
        return Map.copyOf(bytes);
    }

    private static Map<String, String> upperCaseEntities() {
        Map<String, String> upper = new HashMap<>();
        for (Map.Entry<String, String> e : HtmlUnescape.entities().entrySet()) {
            String name = e.getKey();
            if (!name.endsWith(";") || !name.equals(name.toLowerCase(Locale.ROOT))) {
                continue;
            }
            String upperName = name.toUpperCase(Locale.ROOT);
            if (HtmlUnescape.unescape("&" + upperName).equals("&" + upperName)) {
                upper.put(upperName, e.getValue().toUpperCase(Locale.ROOT));
            }
        }
        return Map.copyOf(upper);
    }
}
