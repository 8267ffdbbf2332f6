package io.dreamid.face.detect;

import io.dreamid.face.align.Affine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The whole-photo passes over the photo turned by quarter turns ({@link FaceDetector#turned}). */
class TurnedPassTest {

    @ParameterizedTest(name = "{0} degrees")
    @ValueSource(ints = {0, 90, 180, -90})
    void aTurnedInputStillCoversTheSameSquareAndKeepsItsCentre(int degrees) {
        Affine upright = new Affine(4, 0, -10, 0, 4, 20);
        Affine turned = FaceDetector.turned(upright, 128, degrees);
        assertThat(turned.applyX(64, 64)).isCloseTo(upright.applyX(64, 64), within(1e-9));
        assertThat(turned.applyY(64, 64)).isCloseTo(upright.applyY(64, 64), within(1e-9));
        assertThat(turned.scale()).isCloseTo(4, within(1e-9));
        // Each corner of the turned input is a corner of the upright one.
        for (double[] corner : new double[][] {{0, 0}, {128, 0}, {0, 128}, {128, 128}}) {
            double x = (turned.applyX(corner[0], corner[1]) + 10) / 4;
            double y = (turned.applyY(corner[0], corner[1]) - 20) / 4;
            assertThat(Math.min(Math.abs(x), Math.abs(x - 128))).isCloseTo(0, within(1e-9));
            assertThat(Math.min(Math.abs(y), Math.abs(y - 128))).isCloseTo(0, within(1e-9));
        }
    }

    @Test
    void aQuarterTurnShowsTheTopOfThePhotoOnOneSide() {
        Affine turned = FaceDetector.turned(Affine.IDENTITY, 128, 90);
        // The input's top-left corner comes from a corner other than the photo's top-left.
        assertThat(Math.hypot(turned.applyX(0, 0), turned.applyY(0, 0))).isGreaterThan(100);
        // A quarter turn twice is a half turn.
        Affine half = FaceDetector.turned(Affine.IDENTITY, 128, 180);
        Affine twice = FaceDetector.turned(turned, 128, 90);
        assertThat(twice.applyX(10, 30)).isCloseTo(half.applyX(10, 30), within(1e-9));
        assertThat(twice.applyY(10, 30)).isCloseTo(half.applyY(10, 30), within(1e-9));
    }
}
