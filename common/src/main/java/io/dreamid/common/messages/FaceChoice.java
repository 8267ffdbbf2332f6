package io.dreamid.common.messages;

import java.util.regex.Pattern;

/**
 * Which face a job uses when its photo has several. Written in a spec as {@code largest},
 * {@code index:N} (faces ordered left to right, from 0) or {@code fail-if-several}.
 */
public record FaceChoice(Mode mode, int index) {
    /** Digits only (no sign, at most 9), the same rule as {@code face} in {@code schemas/job-spec.schema.json}. */
    private static final Pattern INDEX = Pattern.compile("index:[0-9]{1,9}");

    public enum Mode {
        LARGEST,
        INDEX,
        FAIL_IF_SEVERAL
    }

    public static final FaceChoice LARGEST = new FaceChoice(Mode.LARGEST, 0);
    public static final FaceChoice FAIL_IF_SEVERAL = new FaceChoice(Mode.FAIL_IF_SEVERAL, 0);

    public static FaceChoice parse(String text) {
        if (text == null || text.equals("largest")) {
            return LARGEST;
        }
        if (text.equals("fail-if-several")) {
            return FAIL_IF_SEVERAL;
        }
        if (INDEX.matcher(text).matches()) {
            return new FaceChoice(Mode.INDEX, Integer.parseInt(text.substring("index:".length())));
        }
        throw new IllegalArgumentException(
                "must be \"largest\", \"index:N\" (N from 0, faces left to right) or \"fail-if-several\", got \""
                        + text + "\"");
    }

    @Override
    public String toString() {
        return switch (mode) {
            case LARGEST -> "largest";
            case FAIL_IF_SEVERAL -> "fail-if-several";
            case INDEX -> "index:" + index;
        };
    }
}
