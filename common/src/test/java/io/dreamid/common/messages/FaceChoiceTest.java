package io.dreamid.common.messages;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The face policy of a spec reads back to what was written, and nothing else is accepted. */
class FaceChoiceTest {

    @Test
    void parsesTheThreePolicies() {
        assertThat(FaceChoice.parse("largest")).isEqualTo(FaceChoice.LARGEST);
        assertThat(FaceChoice.parse(null)).as("absent means the default").isEqualTo(FaceChoice.LARGEST);
        assertThat(FaceChoice.parse("fail-if-several")).isEqualTo(FaceChoice.FAIL_IF_SEVERAL);
        assertThat(FaceChoice.parse("index:0")).isEqualTo(new FaceChoice(FaceChoice.Mode.INDEX, 0));
        assertThat(FaceChoice.parse("index:12")).isEqualTo(new FaceChoice(FaceChoice.Mode.INDEX, 12));
    }

    @ParameterizedTest
    @ValueSource(strings = {"largest", "fail-if-several", "index:0", "index:3"})
    void writesWhatItReads(String text) {
        assertThat(FaceChoice.parse(text).toString()).isEqualTo(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "LARGEST", "biggest", "index:", "index:-1", "index:+3", "index:x", "index:1.5",
            "index:9999999999", " largest"})
    void refusesAnythingElse(String text) {
        assertThatThrownBy(() -> FaceChoice.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"largest\", \"index:N\"")
                .hasMessageContaining("got \"" + text + "\"");
    }
}
