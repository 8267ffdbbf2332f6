package io.dreamid.face.detect;

import io.dreamid.common.image.RgbImage;
import io.dreamid.face.align.Warp;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link DetectionResult#verified()}: a portrait's face passes verification on its close-up; the built-in tiny
 * diffusion bundle's noise, where the whole-photo pass finds a candidate, does not (what the identity judge relies
 * on to say {@code faceFound: false}).
 */
class VerificationTest {

    @Test
    void aPortraitsFaceIsVerified() {
        DetectionResult found = detect(TestImages.ASTRONAUT);
        assertThat(found.faces()).hasSize(1);
        assertThat(found.verified()).isTrue();
    }

    @Test
    void noiseFromTheTinyBundleHasNoVerifiedFace() {
        DetectionResult found = detect("/judge/tiny-builtin-0.png");
        assertThat(found.faces()).as("the fallback candidate this test is about").isNotEmpty();
        assertThat(found.verified()).isFalse();
    }

    private static DetectionResult detect(String resource) {
        RgbImage rgb = RgbImage.fromBufferedImage(TestImages.image(resource));
        return TestModels.detector().detect(new Warp(rgb), DetectorPolicy.AUTO);
    }
}
