package io.dreamid.face.detect;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Decoding of raw outputs built by hand: anchor layout, offsets in input pixels, score, weighted NMS. */
class BlazeFaceDecoderTest {
    private static final float OFF = -50f;

    @Test
    void decodesAnAnchorOfEachGridAtItsCellCentre() {
        float[] s16 = filled(512, OFF);
        float[] s8 = filled(384, OFF);
        float[] b16 = new float[512 * 16];
        float[] b8 = new float[384 * 16];
        // 16x16 grid, cell (x=3, y=5), second anchor: index (5*16+3)*2+1; cell size 128/16 = 8 px.
        int i16 = (5 * 16 + 3) * 2 + 1;
        s16[i16] = 2f;
        set(b16, i16, 1.5f, -2f, 20f, 22f);
        // 8x8 grid, cell (x=6, y=1), fifth anchor: index (1*8+6)*6+4; cell size 16 px.
        int i8 = (1 * 8 + 6) * 6 + 4;
        s8[i8] = 0f;
        set(b8, i8, 0f, 0f, 40f, 40f);

        List<Detection> faces = BlazeFaceDecoder.decode(128, s16, s8, b16, b8, 0.4);

        assertThat(faces).hasSize(2);
        Detection first = faces.get(0);
        assertThat(first.score()).isCloseTo(1 / (1 + Math.exp(-2)), within(1e-9));
        assertThat(first.box().centerX()).isCloseTo(3.5 * 8 + 1.5, within(1e-6));
        assertThat(first.box().centerY()).isCloseTo(5.5 * 8 - 2, within(1e-6));
        assertThat(first.box().width()).isCloseTo(20, within(1e-6));
        assertThat(first.box().height()).isCloseTo(22, within(1e-6));
        assertThat(first.x(Landmark.RIGHT_EYE)).isCloseTo(3.5 * 8 + 1, within(1e-6));
        assertThat(first.y(Landmark.LEFT_EAR)).isCloseTo(5.5 * 8 + 8, within(1e-6));
        Detection second = faces.get(1);
        assertThat(second.score()).isCloseTo(0.5, within(1e-9));
        assertThat(second.box().centerX()).isCloseTo(6.5 * 16, within(1e-6));
        assertThat(second.box().centerY()).isCloseTo(1.5 * 16, within(1e-6));
    }

    @Test
    void scoresUseTheSigmoidOfTheClippedLogit() {
        assertThat(BlazeFaceDecoder.sigmoid(1e6f)).isEqualTo(1 / (1 + Math.exp(-100)));
        assertThat(BlazeFaceDecoder.sigmoid(-1e6f)).isEqualTo(1 / (1 + Math.exp(100)));
        assertThat(BlazeFaceDecoder.sigmoid(0f)).isEqualTo(0.5);
    }

    @Test
    void overlappingCandidatesAreBlendedByScore() {
        double[] k1 = new double[12];
        double[] k2 = new double[12];
        java.util.Arrays.fill(k1, 10);
        java.util.Arrays.fill(k2, 20);
        Detection strong = new Detection(0.9, new Box(0, 0, 10, 10), k1);
        Detection weak = new Detection(0.3, new Box(1, 1, 10, 10), k2);
        Detection apart = new Detection(0.8, new Box(50, 50, 10, 10), k1);

        List<Detection> faces = BlazeFaceDecoder.weightedNms(List.of(weak, apart, strong), 0.3);

        assertThat(faces).hasSize(2);
        Detection blended = faces.get(0);
        assertThat(blended.score()).isEqualTo(0.9);
        assertThat(blended.box().left()).isCloseTo(0.3 / 1.2, within(1e-12));
        assertThat(blended.keypoints()[0]).isCloseTo((0.9 * 10 + 0.3 * 20) / 1.2, within(1e-12));
        assertThat(faces.get(1).box().left()).isEqualTo(50);
    }

    private static float[] filled(int n, float value) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, value);
        return a;
    }

    private static void set(float[] boxes, int anchor, float dx, float dy, float w, float h) {
        int o = anchor * 16;
        boxes[o] = dx;
        boxes[o + 1] = dy;
        boxes[o + 2] = w;
        boxes[o + 3] = h;
        for (int k = 0; k < 6; k++) {
            boxes[o + 4 + 2 * k] = dx - 0.5f + k;
            boxes[o + 5 + 2 * k] = dy + 2 * k;
        }
    }
}
