package io.dreamid.diffusion.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Proves the noise generator is reproducible, chunking-independent and standard normal. */
class GaussianNoiseTest {

    @Test
    void theSameSeedGivesTheSameStreamWhateverTheChunking() {
        float[] whole = new GaussianNoise(42).next(1001);
        GaussianNoise chunked = new GaussianNoise(42);
        float[] first = chunked.next(3);
        float[] rest = new float[998];
        chunked.fill(rest);
        for (int i = 0; i < 3; i++) {
            assertThat(first[i]).isEqualTo(whole[i]);
        }
        for (int i = 0; i < rest.length; i++) {
            assertThat(rest[i]).isEqualTo(whole[i + 3]);
        }
        assertThat(new GaussianNoise(43).next(1001)).isNotEqualTo(whole);
    }

    @Test
    void valuesAreStandardNormal() {
        float[] z = new GaussianNoise(-5L).next(200_000);
        double sum = 0;
        double sumSq = 0;
        int beyond2 = 0;
        for (float v : z) {
            sum += v;
            sumSq += (double) v * v;
            if (Math.abs(v) > 2) {
                beyond2++;
            }
        }
        double mean = sum / z.length;
        double variance = sumSq / z.length - mean * mean;
        assertThat(mean).isBetween(-0.01, 0.01);
        assertThat(variance).isBetween(0.98, 1.02);
        // P(|Z| > 2) = 4.55 %
        assertThat(beyond2 / (double) z.length).isBetween(0.043, 0.048);
    }
}
