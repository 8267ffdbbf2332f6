package io.dreamid.common.messages;

import io.dreamid.common.json.Json;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The score of an image of several people speaks for its worst person, and one-person scores read as before. */
class IdentityScoreTest {
    private static final IdentityScore NEAR = new IdentityScore(true, 0.3, 0.75, true);
    private static final IdentityScore FAR = new IdentityScore(true, 0.7, 0.4167, false);

    @Test
    void theImageLevelFieldsAreTheWorstPersons() {
        IdentityScore both = IdentityScore.worstOf(Map.of("ada", NEAR, "alan", FAR));
        assertThat(both.distance()).isEqualTo(0.7);
        assertThat(both.samePerson()).isFalse();
        assertThat(both.people()).containsExactly(Map.entry("ada", NEAR), Map.entry("alan", FAR));

        IdentityScore oneWithoutFace = IdentityScore.worstOf(Map.of("ada", NEAR, "alan", IdentityScore.noFace()));
        assertThat(oneWithoutFace.faceFound()).isFalse();
        assertThat(oneWithoutFace.distance()).isNull();
        assertThat(oneWithoutFace.people().get("ada")).isEqualTo(NEAR);
    }

    @Test
    void aOnePersonScoreHasNoPeopleOnTheWireAndAnOlderScoreReadsWithout() {
        assertThat(Json.toString(NEAR)).doesNotContain("people").doesNotContain("chosen");
        byte[] older = "{\"faceFound\":true,\"distance\":0.3,\"similarity\":0.75,\"samePerson\":true}"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(Json.read(older, IdentityScore.class)).isEqualTo(NEAR);
        IdentityScore several = IdentityScore.worstOf(Map.of("ada", NEAR, "alan", IdentityScore.noFace()));
        assertThat(Json.read(Json.toBytes(several), IdentityScore.class)).isEqualTo(several);
    }
}
