package io.dreamid.common;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Keys follow DESIGN.md's layout and no id can make a key leave its prefix. */
class ObjectKeysTest {
    private static final String JOB = "3f2c7a9e-1b4d-4c8e-9f00-5a6b7c8d9e0f";

    @Test
    void followsTheLayout() {
        assertThat(ObjectKeys.input(JOB, "jpg")).isEqualTo("inputs/" + JOB + "/photo.jpg");
        assertThat(ObjectKeys.personInput(JOB, "_ada", "png")).isEqualTo("inputs/" + JOB + "/person-_ada.png");
        assertThat(ObjectKeys.personFaceCrop(JOB, "ada")).isEqualTo("faces/" + JOB + "/person-ada-aligned.png");
        assertThat(ObjectKeys.isSafeKey(ObjectKeys.personFaceChip(JOB, "-x"))).isTrue();
        assertThatThrownBy(() -> ObjectKeys.personFaceRecord(JOB, "a/b")).isInstanceOf(IllegalArgumentException.class);
        assertThat(ObjectKeys.faceCrop(JOB)).isEqualTo("faces/" + JOB + "/aligned.png");
        assertThat(ObjectKeys.faceRecord(JOB)).isEqualTo("faces/" + JOB + "/face.json");
        assertThat(ObjectKeys.identity("c0ffee")).isEqualTo("identities/c0ffee.safetensors");
        assertThat(ObjectKeys.output(JOB, 1, 3)).isEqualTo("outputs/" + JOB + "/1-3.png");
        assertThat(ObjectKeys.outputPrefix(JOB)).isEqualTo("outputs/" + JOB + "/");
        assertThat(ObjectKeys.candidate(JOB, 1, 3, 2)).isEqualTo("outputs/" + JOB + "/1-3-c2.png");
        assertThat(ObjectKeys.model("sd15", "1.0")).isEqualTo("models/sd15/1.0/");
    }

    @Test
    void outputKeysSayWhichImageAndCandidateTheyAre() {
        assertThat(ObjectKeys.outputName(ObjectKeys.output(JOB, 1, 3))).isEqualTo(new ObjectKeys.OutputName(1, 3, null));
        assertThat(ObjectKeys.outputName(ObjectKeys.candidate(JOB, 0, 7, 5)))
                .isEqualTo(new ObjectKeys.OutputName(0, 7, 5));
        assertThat(ObjectKeys.outputName("outputs/" + JOB + "/photo.png")).isNull();
        assertThat(ObjectKeys.outputName("elsewhere/1-2-x3.png")).isNull();
        assertThat(ObjectKeys.outputName(null)).isNull();
    }

    @Test
    void theChipBesideAnIdentitysCrop() {
        assertThat(ObjectKeys.faceChipBesideCrop(ObjectKeys.faceCrop(JOB))).isEqualTo(ObjectKeys.faceChip(JOB));
        assertThat(ObjectKeys.faceChipBesideCrop(ObjectKeys.personFaceCrop(JOB, "ada")))
                .isEqualTo(ObjectKeys.personFaceChip(JOB, "ada")).isEqualTo("faces/" + JOB + "/person-ada-chip.png");
        assertThat(ObjectKeys.faceChipBesideCrop("faces/" + JOB + "/person-../aligned.png")).isNull();
        assertThat(ObjectKeys.faceChipBesideCrop("faces/../aligned.png")).isNull();
        assertThat(ObjectKeys.faceChipBesideCrop("inputs/" + JOB + "/aligned.png")).isNull();
        assertThat(ObjectKeys.faceChipBesideCrop(null)).isNull();
    }

    @Test
    void isDeterministic() {
        assertThat(ObjectKeys.output(JOB, 0, 0)).isEqualTo(ObjectKeys.output(JOB, 0, 0));
    }

    @ParameterizedTest
    @ValueSource(strings = {"../x", "..", ".", "a/b", "/abs", "", "x y", "-dash", "a\\b"})
    void refusesIdsThatAreNotOnePathSegment(String id) {
        assertThat(ObjectKeys.isSafeId(id)).isFalse();
        assertThatThrownBy(() -> ObjectKeys.faceCrop(id))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a valid id for an object key");
    }

    @Test
    void refusesOverlongIdsAndBadExtensions() {
        assertThat(ObjectKeys.isSafeId("a".repeat(128))).isTrue();
        assertThat(ObjectKeys.isSafeId("a".repeat(129))).isFalse();
        assertThat(ObjectKeys.isSafeId(null)).isFalse();
        assertThatThrownBy(() -> ObjectKeys.input(JOB, "../../etc"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a valid file extension");
        assertThatThrownBy(() -> ObjectKeys.input(JOB, ".jpg")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void keysFromOtherSystemsMustStayInsideTheBucket() {
        assertThat(ObjectKeys.isSafeKey("inputs/" + JOB + "/photo.jpg")).isTrue();
        assertThat(ObjectKeys.isSafeKey("tenants/acme/me.jpg")).isTrue();
        assertThat(ObjectKeys.isSafeKey("inputs/../../etc/passwd")).isFalse();
        assertThat(ObjectKeys.isSafeKey("../x")).isFalse();
        assertThat(ObjectKeys.isSafeKey("/abs/key")).isFalse();
        assertThat(ObjectKeys.isSafeKey("a//b")).isFalse();
        assertThat(ObjectKeys.isSafeKey("a/./b")).isFalse();
        assertThat(ObjectKeys.isSafeKey("a/")).isFalse();
        assertThat(ObjectKeys.isSafeKey(("abcdefgh/").repeat(114) + "x")).as("1027 characters").isFalse();
    }
}
