package io.dreamid.face.detect;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A pass crowded with candidates verifies only the best-scored ones, so one photo cannot hold a worker for long. */
class CandidateLimitTest {
    @Test
    void keepsTheBestScoredInTheirLeftToRightOrder() {
        List<Detection> faces = new ArrayList<>();
        double[] scores = {0.55, 0.9, 0.6, 0.95, 0.7};
        for (int i = 0; i < scores.length; i++) {
            faces.add(new Detection(scores[i], new Box(i * 100, 0, 50, 50), new double[12]));
        }

        List<Detection> kept = FaceDetector.strongest(faces, 3);

        assertThat(kept).extracting(Detection::score).containsExactly(0.9, 0.95, 0.7);
        assertThat(FaceDetector.strongest(faces, 5)).isSameAs(faces);
    }

    @Test
    void equalDetectionsAreKeptOrDroppedOneByOne() {
        Detection a = new Detection(0.8, new Box(0, 0, 10, 10), new double[12]);
        Detection b = new Detection(0.8, new Box(0, 0, 10, 10), a.keypoints());

        assertThat(FaceDetector.strongest(List.of(a, b, new Detection(0.5, new Box(20, 0, 10, 10), new double[12])),
                2)).hasSize(2).allMatch(d -> d.score() == 0.8);
    }
}
