package io.dreamid.face.align;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The Umeyama solver recovers exactly known similarities and is the least-squares optimum for noisy points. */
class SimilarityTransformTest {

    @Test
    void recoversKnownSimilaritiesExactly() {
        Random random = new Random(7);
        for (int trial = 0; trial < 50; trial++) {
            double scale = 0.05 + 4 * random.nextDouble();
            double angle = (random.nextDouble() * 2 - 1) * Math.PI;
            double tx = (random.nextDouble() - 0.5) * 1000;
            double ty = (random.nextDouble() - 0.5) * 1000;
            double[] src = new double[8];
            double[] dst = new double[8];
            for (int i = 0; i < 4; i++) {
                double x = random.nextDouble() * 600;
                double y = random.nextDouble() * 600;
                src[2 * i] = x;
                src[2 * i + 1] = y;
                dst[2 * i] = scale * (Math.cos(angle) * x - Math.sin(angle) * y) + tx;
                dst[2 * i + 1] = scale * (Math.sin(angle) * x + Math.cos(angle) * y) + ty;
            }
            Affine t = SimilarityTransform.estimate(src, dst);
            assertThat(t.a()).isCloseTo(scale * Math.cos(angle), within(1e-9));
            assertThat(t.c()).isCloseTo(scale * Math.sin(angle), within(1e-9));
            assertThat(t.b()).isCloseTo(-scale * Math.sin(angle), within(1e-9));
            assertThat(t.d()).isCloseTo(scale * Math.cos(angle), within(1e-9));
            assertThat(t.tx()).isCloseTo(tx, within(1e-7));
            assertThat(t.ty()).isCloseTo(ty, within(1e-7));
            assertThat(SimilarityTransform.rmsError(t, src, dst)).isLessThan(1e-8);
        }
    }

    @Test
    void mapsTheTemplateOntoItselfAsTheIdentity() {
        double[] template = FaceAligner.template(112);
        Affine t = SimilarityTransform.estimate(template, template);
        assertThat(t.a()).isCloseTo(1, within(1e-12));
        assertThat(t.b()).isCloseTo(0, within(1e-12));
        assertThat(t.tx()).isCloseTo(0, within(1e-10));
        assertThat(t.ty()).isCloseTo(0, within(1e-10));
    }

    @Test
    void noisyPointsGiveTheLeastSquaresOptimum() {
        Random random = new Random(11);
        double[] src = new double[10];
        double[] dst = new double[10];
        for (int i = 0; i < 5; i++) {
            src[2 * i] = random.nextDouble() * 100;
            src[2 * i + 1] = random.nextDouble() * 100;
            dst[2 * i] = 0.8 * src[2 * i] - 0.3 * src[2 * i + 1] + 5 + random.nextGaussian() * 2;
            dst[2 * i + 1] = 0.3 * src[2 * i] + 0.8 * src[2 * i + 1] - 7 + random.nextGaussian() * 2;
        }
        Affine best = SimilarityTransform.estimate(src, dst);
        double bestError = SimilarityTransform.rmsError(best, src, dst);
        double h = 1e-4;
        // Any small change of the four similarity parameters (a, b, tx, ty) makes the fit worse.
        double[][] steps = {{h, 0, 0, 0}, {-h, 0, 0, 0}, {0, h, 0, 0}, {0, -h, 0, 0},
            {0, 0, h * 100, 0}, {0, 0, -h * 100, 0}, {0, 0, 0, h * 100}, {0, 0, 0, -h * 100}};
        for (double[] s : steps) {
            double a = best.a() + s[0];
            double b = best.c() + s[1];
            Affine other = new Affine(a, -b, best.tx() + s[2], b, a, best.ty() + s[3]);
            assertThat(SimilarityTransform.rmsError(other, src, dst)).isGreaterThan(bestError);
        }
    }

    @Test
    void neverReflects() {
        // A mirrored point set has no proper similarity onto the original; the best one still keeps orientation.
        double[] src = {0, 0, 10, 0, 0, 20, 10, 20};
        double[] mirrored = {10, 0, 0, 0, 10, 20, 0, 20};
        Affine t = SimilarityTransform.estimate(src, mirrored);
        assertThat(t.a() * t.d() - t.b() * t.c()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void rejectsCoincidentPoints() {
        assertThatThrownBy(() -> SimilarityTransform.estimate(new double[] {1, 1, 1, 1}, new double[] {0, 0, 1, 1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("coincide");
    }

    @Test
    void inverseAndCompositionAreConsistent() {
        double cos = 1.7 * Math.cos(0.4);
        double sin = 1.7 * Math.sin(0.4);
        Affine t = new Affine(cos, -sin, 12, sin, cos, -3);
        Affine round = t.inverse().after(t);
        assertThat(round.applyX(31, 47)).isCloseTo(31, within(1e-9));
        assertThat(round.applyY(31, 47)).isCloseTo(47, within(1e-9));
        assertThat(t.scale()).isCloseTo(1.7, within(1e-12));
        assertThat(t.rotationDegrees()).isCloseTo(Math.toDegrees(0.4), within(1e-9));
    }
}
