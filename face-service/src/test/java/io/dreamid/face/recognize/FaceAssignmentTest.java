package io.dreamid.face.recognize;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

/** The assignment of people to faces is one-to-one and as cheap as the best of every possible one. */
class FaceAssignmentTest {

    @Test
    void twoPeopleTakeTheirNearestFacesEvenWhenOneFaceIsNearerToBoth() {
        // ada is nearest face 0, but taking it leaves alan face 1 at 0.8 (total 1.1); the optimum gives ada face 1
        // (0.5) and alan face 0 (0.2), total 0.7.
        assertThat(FaceAssignment.assign(new double[][] {{0.3, 0.5}, {0.2, 0.8}})).containsExactly(1, 0);
    }

    @Test
    void peopleLeftOverGetNoFaceAndFacesLeftOverAreNobodys() {
        assertThat(FaceAssignment.assign(new double[][] {{0.7}, {0.4}, {0.9}}))
                .containsExactly(FaceAssignment.NO_FACE, 0, FaceAssignment.NO_FACE);
        assertThat(FaceAssignment.assign(new double[][] {{0.9, 0.8, 0.1}})).containsExactly(2);
        assertThat(FaceAssignment.assign(new double[][] {{}, {}})).containsExactly(FaceAssignment.NO_FACE,
                FaceAssignment.NO_FACE);
        assertThat(FaceAssignment.assign(new double[0][])).isEmpty();
    }

    @Test
    void randomMatricesCostWhatTheBestPermutationCosts() {
        Random random = new Random(14);
        for (int round = 0; round < 300; round++) {
            int people = 1 + random.nextInt(5);
            int faces = random.nextInt(6);
            double[][] d = new double[people][faces];
            for (double[] row : d) {
                for (int j = 0; j < faces; j++) {
                    row[j] = random.nextDouble() * 1.2;
                }
            }
            int[] faceOf = FaceAssignment.assign(d);
            assertThat(Arrays.stream(faceOf).filter(f -> f != FaceAssignment.NO_FACE).distinct().count())
                    .as("one face per person, every person a face while faces last")
                    .isEqualTo(Math.min(people, faces));
            assertThat(cost(d, faceOf)).as("round %d", round).isCloseTo(bruteForce(d, 0, new boolean[faces]),
                    offset(1e-9));
        }
    }

    private static double cost(double[][] d, int[] faceOf) {
        double sum = 0;
        for (int i = 0; i < faceOf.length; i++) {
            sum += faceOf[i] == FaceAssignment.NO_FACE ? 0 : d[i][faceOf[i]];
        }
        return sum;
    }

    /** The cheapest total over every one-to-one choice that matches min(people, faces) pairs. */
    private static double bruteForce(double[][] d, int person, boolean[] taken) {
        int faces = taken.length;
        int free = 0;
        for (boolean t : taken) {
            free += t ? 0 : 1;
        }
        if (person == d.length || free == 0) {
            return 0;
        }
        double best = Double.POSITIVE_INFINITY;
        for (int j = 0; j < faces; j++) {
            if (!taken[j]) {
                taken[j] = true;
                best = Math.min(best, d[person][j] + bruteForce(d, person + 1, taken));
                taken[j] = false;
            }
        }
        // Skipping this person is allowed only when the people after it can still use every free face.
        if (d.length - person - 1 >= free) {
            best = Math.min(best, bruteForce(d, person + 1, taken));
        }
        return best;
    }
}
