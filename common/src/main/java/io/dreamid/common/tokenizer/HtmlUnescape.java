package io.dreamid.common.tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Python's {@code html.unescape}, which CLIP's {@code basic_clean} applies twice to every prompt: HTML5 named
 * references (longest-prefix match for the legacy names that may omit ';'), decimal and hex references with
 * the HTML5 replacements for invalid code points. Mirrors CPython 3.11 {@code Lib/html/__init__.py} so that
 * prompts such as {@code "cats &amp; dogs"} give the ids CLIP was trained with.
 */
final class HtmlUnescape {

    private static final Pattern CHARREF =
            Pattern.compile("&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\\t\\n\\f <&#;]{1,32};?)");

    /** HTML5 "numeric character reference end state": C1 controls read as Windows-1252, NUL as U+FFFD. */
    private static final Map<Integer, String> INVALID_CHARREFS = invalidCharrefs();

    private static final Map<String, String> ENTITIES = loadEntities();

    private HtmlUnescape() {
    }

    static String unescape(String s) {
        if (s.indexOf('&') < 0) {
            return s;
        }
        Matcher m = CHARREF.matcher(s);
        StringBuilder out = new StringBuilder(s.length());
        int last = 0;
        while (m.find()) {
            out.append(s, last, m.start());
            out.append(replacement(m.group(1)));
            last = m.end();
        }
        out.append(s, last, s.length());
        return out.toString();
    }

    /** The value of an HTML5 entity name written with its ';' (e.g. {@code "eacute;"}), or null. */
    static String entity(String nameWithSemicolon) {
        return ENTITIES.get(nameWithSemicolon);
    }

    /** Every HTML5 entity name (with or without ';') and its value. */
    static Map<String, String> entities() {
        return ENTITIES;
    }

    private static String replacement(String ref) {
        if (ref.charAt(0) == '#') {
            return numeric(ref);
        }
        String whole = ENTITIES.get(ref);
        if (whole != null) {
            return whole;
        }
        // Legacy names such as "&copy2024": the longest known prefix (at least 2 characters) is replaced.
        int codePoints = ref.codePointCount(0, ref.length());
        for (int x = codePoints - 1; x > 1; x--) {
            int end = ref.offsetByCodePoints(0, x);
            String value = ENTITIES.get(ref.substring(0, end));
            if (value != null) {
                return value + ref.substring(end);
            }
        }
        return "&" + ref;
    }

    private static String numeric(String ref) {
        boolean hex = ref.charAt(1) == 'x' || ref.charAt(1) == 'X';
        String digits = ref.substring(hex ? 2 : 1);
        if (digits.endsWith(";")) {
            digits = digits.substring(0, digits.length() - 1);
        }
        BigInteger big = new BigInteger(digits, hex ? 16 : 10);
        if (big.compareTo(BigInteger.valueOf(0x10FFFF)) > 0) {
            return "\uFFFD";
        }
        int num = big.intValue();
        String mapped = INVALID_CHARREFS.get(num);
        if (mapped != null) {
            return mapped;
        }
        if (num >= 0xD800 && num <= 0xDFFF) {
            return "\uFFFD";
        }
        if (isInvalidCodePoint(num)) {
            return "";
        }
        return new String(Character.toChars(num));
    }

    /** Control characters and non-characters that HTML drops (CPython's {@code _invalid_codepoints}). */
    private static boolean isInvalidCodePoint(int num) {
        return (num >= 0x1 && num <= 0x8)
                || num == 0xB
                || (num >= 0xE && num <= 0x1F)
                || (num >= 0x7F && num <= 0x9F)
                || (num >= 0xFDD0 && num <= 0xFDEF)
                || (num & 0xFFFE) == 0xFFFE;
    }

    private static Map<Integer, String> invalidCharrefs() {
        Map<Integer, String> map = new HashMap<>();
        map.put(0x00, "\uFFFD");
        map.put(0x0D, "\r");
        int[] cp1252 = {
            0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
            0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
            0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
            0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
        };
        for (int i = 0; i < cp1252.length; i++) {
            map.put(0x80 + i, String.valueOf((char) cp1252[i]));
        }
        return Map.copyOf(map);
    }

    private static Map<String, String> loadEntities() {
        Map<String, String> map = new HashMap<>(4096);
        try (InputStream in = HtmlUnescape.class.getResourceAsStream("html5-entities.tsv")) {
            if (in == null) {
                throw new IllegalStateException("html5-entities.tsv is missing from the classpath");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int tab = line.indexOf('\t');
                StringBuilder value = new StringBuilder(2);
                for (String hex : line.substring(tab + 1).split(" ")) {
                    value.appendCodePoint(Integer.parseInt(hex, 16));
                }
                map.put(line.substring(0, tab), value.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read html5-entities.tsv", e);
        }
        return Map.copyOf(map);
    }
}
