package io.dreamid.face.detect;

import java.util.Locale;

/** Which BlazeFace model looks at the whole photo. */
public enum DetectorPolicy {
    /**
     * The 128 short-range model first (close-ups: most portraits and selfies); only when it finds nothing, the 256
     * model, which sees smaller, more distant faces (down to about 1/20 of the photo's side).
     */
    AUTO,
    /** Only the 128 short-range model. */
    FRONT,
    /** Only the 256 model. */
    BACK;

    public static DetectorPolicy parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("detector policy must be auto, front or back, got \"" + text + "\"");
        }
    }
}
