package io.dreamid.encoder.model;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The Java erf and GELU equal C's libm erf (values printed by Python's math.erf) to double precision. */
class GeluTest {

    @Test
    void erfMatchesLibm() {
        double[][] cases = {
                {0.0, 0.0}, {1e-3, 0.0011283787909692365}, {0.1, 0.1124629160182849}, {0.5, 0.5204998778130465},
                {0.84375, 0.7672256612323416}, {1.0, 0.8427007929497149}, {1.25, 0.9229001282564582},
                {2.0, 0.9953222650189527}, {3.0, 0.9999779095030014}, {4.5, 0.9999999998033839},
                {5.9, 0.9999999999999999}, {-0.7, -0.6778011938374184}, {-2.5, -0.999593047982555}};
        for (double[] c : cases) {
            assertThat(Gelu.erf(c[0])).as("erf(%s)", c[0]).isCloseTo(c[1], within(2e-15));
        }
    }

    @Test
    void geluIsTheExactErfForm() {
        float[] x = {-6f, -3f, -1f, -0.25f, 0f, 0.25f, 1f, 3f, 6f, 10f};
        double[] expected = {-5.919525869479969e-09, -0.00404969409489031, -0.15865525393145707, -0.10032341857926907,
                0.0, 0.14967658142073093, 0.8413447460685429, 2.99595030590511, 5.999999994080474, 10.0};
        Gelu.apply(x);
        for (int i = 0; i < x.length; i++) {
            assertThat((double) x[i]).isCloseTo(expected[i], within(1e-6 * Math.max(1, Math.abs(expected[i]))));
        }
    }
}
