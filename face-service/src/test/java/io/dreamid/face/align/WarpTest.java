package io.dreamid.face.align;

import io.dreamid.common.image.RgbImage;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class WarpTest {

    /** Each 2x2 block's mean, rounded half up; an odd last row or column averaged with itself. */
    private static RgbImage halvedByDefinition(RgbImage src) {
        int w = (src.width() + 1) / 2;
        int h = (src.height() + 1) / 2;
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    int sum = 0;
                    for (int dy = 0; dy < 2; dy++) {
                        for (int dx = 0; dx < 2; dx++) {
                            int sx = Math.min(2 * x + dx, src.width() - 1);
                            int sy = Math.min(2 * y + dy, src.height() - 1);
                            sum += src.rgb()[(sy * src.width() + sx) * 3 + c] & 0xFF;
                        }
                    }
                    out[(y * w + x) * 3 + c] = (byte) ((sum + 2) / 4);
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    @Test
    void halvingMatchesTheDefinitionBitForBit() {
        Random random = new Random(42);
        int[][] sizes = {{1, 1}, {2, 2}, {3, 1}, {7, 5}, {8, 8}, {9, 3}, {16, 2}, {17, 17}, {33, 12}, {512, 3},
            {515, 4}};
        for (int[] size : sizes) {
            byte[] rgb = new byte[size[0] * size[1] * 3];
            random.nextBytes(rgb);
            RgbImage src = new RgbImage(size[0], size[1], rgb);
            RgbImage fast = Warp.halve(src);
            RgbImage reference = halvedByDefinition(src);
            assertThat(fast.width()).isEqualTo(reference.width());
            assertThat(fast.height()).isEqualTo(reference.height());
            assertThat(fast.rgb()).as("%dx%d", size[0], size[1]).isEqualTo(reference.rgb());
        }
    }

    @Test
    void extremeValuesDoNotOverflowTheLanes() {
        byte[] white = new byte[24 * 2 * 3];
        java.util.Arrays.fill(white, (byte) 255);
        assertThat(Warp.halve(new RgbImage(24, 2, white)).rgb()).containsOnly((byte) 255);
    }
}
