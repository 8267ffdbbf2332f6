package io.dreamid.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What the CLI prints for a failed job: the service's message once, and the command-line fix where there is one. */
class FailuresTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theServicesMessageIsShownOnceWithoutARepeatedHint() throws Exception {
        String text = Failures.explain(JSON.readTree("{\"code\":\"NO_FACE\",\"message\":\"no face found in the"
                + " 64x64 photo; use a photo where one face is clearly visible\"}"));

        assertThat(text).isEqualTo("NO_FACE: no face found in the 64x64 photo; use a photo where one face is clearly"
                + " visible");
    }

    @Test
    void aFailureTheCommandLineCanFixSaysWhatToType() throws Exception {
        String text = Failures.explain(JSON.readTree("{\"code\":\"SEVERAL_FACES\",\"message\":\"found 2 faces and the"
                + " job asked for fail-if-several\"}"));

        assertThat(text).startsWith("SEVERAL_FACES: found 2 faces").contains("--face-choice largest");
    }

    @Test
    void aFailureWithoutAMessageIsStillExplained() throws Exception {
        assertThat(Failures.explain(JSON.readTree("{\"code\":\"BAD_IMAGE\"}")))
                .isEqualTo("BAD_IMAGE: the photo could not be read or is too large; use a JPEG or PNG");
        assertThat(Failures.explain(JSON.readTree("{}"))).isEqualTo("UNKNOWN: the job failed");
    }
}
