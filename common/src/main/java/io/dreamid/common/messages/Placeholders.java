package io.dreamid.common.messages;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The person placeholders of a prompt: {@code {id}} (the one person of a job with a photo or an identity) and
 * {@code {id:NAME}} (one of several people, each named in {@link JobSpec#people()}). NAME is letters, digits,
 * {@code -} and {@code _}, at most 64 characters.
 */
public final class Placeholders {
    /** The name {@link #find} gives the one-person placeholder {@code {id}}. */
    public static final String ONE = "";
    public static final int MAX_NAME_LENGTH = 64;
    static final String NAME_RULE = "letters, digits, '-' and '_', at most " + MAX_NAME_LENGTH + " characters";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{id(?::([A-Za-z0-9_-]{1," + MAX_NAME_LENGTH
            + "}))?}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1," + MAX_NAME_LENGTH + "}");
    /** Anything that starts like a placeholder: {@code {id} or {id:...}}, well formed or not. */
    private static final Pattern ATTEMPT = Pattern.compile("\\{id(?::[^}]*)?}|\\{id:");

    private Placeholders() {
    }

    /**
     * One placeholder in a prompt.
     *
     * @param name  the person's name, {@link #ONE} for {@code {id}}
     * @param start index of its {@code {}
     * @param end   index after its {@code }}
     */
    public record Found(String name, int start, int end) {
    }

    /** The well-formed placeholders of {@code prompt}, in order. */
    public static List<Found> find(String prompt) {
        List<Found> found = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(prompt);
        while (m.find()) {
            found.add(new Found(m.group(1) == null ? ONE : m.group(1), m.start(), m.end()));
        }
        return found;
    }

    /** The distinct names of the prompts' placeholders, in order of first use ({@link #ONE} for {@code {id}}). */
    public static Set<String> names(List<String> prompts) {
        Set<String> names = new LinkedHashSet<>();
        if (prompts != null) {
            for (String p : prompts) {
                if (p != null) {
                    find(p).forEach(f -> names.add(f.name()));
                }
            }
        }
        return names;
    }

    /** The text of the first malformed placeholder ({@code {id:}} with a bad name), or null when there is none. */
    public static String malformed(String prompt) {
        Matcher m = ATTEMPT.matcher(prompt);
        while (m.find()) {
            if (!PLACEHOLDER.matcher(m.group()).matches()) {
                return m.group();
            }
        }
        return null;
    }

    public static boolean isName(String name) {
        return name != null && NAME.matcher(name).matches();
    }
}
