package io.dreamid.face.recognize;

import java.util.Arrays;

/**
 * One face per person and one person per face, with the smallest total distance: the optimal assignment of a
 * people x faces distance matrix (the Hungarian method, O(n^3) in the larger side). With more people than faces the
 * people left over get no face; with more faces than people the faces left over are nobody's. Brute force over
 * permutations would do for two or three people, but the 77-token budget admits dozens of placeholders, whose
 * permutations no judge could count.
 */
public final class FaceAssignment {
    /** Marks a person left without a face. */
    public static final int NO_FACE = -1;

    private FaceAssignment() {
    }

    /**
     * @param distances {@code distances[person][face]}, every row of the same length (the number of faces, maybe 0)
     * @return for each person the index of its face, or {@link #NO_FACE}
     */
    public static int[] assign(double[][] distances) {
        int people = distances.length;
        int faces = people == 0 ? 0 : distances[0].length;
        int[] faceOf = new int[people];
        Arrays.fill(faceOf, NO_FACE);
        if (people == 0 || faces == 0) {
            return faceOf;
        }
        // Square and 1-based, as the method is written: padded rows are no person, padded columns no face, both at
        // cost 0, so every assignment pays for exactly min(people, faces) real pairs.
        int n = Math.max(people, faces);
        double[][] cost = new double[n + 1][n + 1];
        for (int i = 0; i < people; i++) {
            if (distances[i].length != faces) {
                throw new IllegalArgumentException("row " + i + " has " + distances[i].length + " faces, not " + faces);
            }
            System.arraycopy(distances[i], 0, cost[i + 1], 1, faces);
        }
        double[] u = new double[n + 1];
        double[] v = new double[n + 1];
        int[] rowOfColumn = new int[n + 1];
        int[] way = new int[n + 1];
        for (int row = 1; row <= n; row++) {
            // Grow an alternating path from this row until it reaches a free column, keeping potentials u + v <= cost.
            rowOfColumn[0] = row;
            int column = 0;
            double[] minSlack = new double[n + 1];
            Arrays.fill(minSlack, Double.POSITIVE_INFINITY);
            boolean[] used = new boolean[n + 1];
            do {
                used[column] = true;
                int r = rowOfColumn[column];
                double delta = Double.POSITIVE_INFINITY;
                int next = 0;
                for (int j = 1; j <= n; j++) {
                    if (!used[j]) {
                        double slack = cost[r][j] - u[r] - v[j];
                        if (slack < minSlack[j]) {
                            minSlack[j] = slack;
                            way[j] = column;
                        }
                        if (minSlack[j] < delta) {
                            delta = minSlack[j];
                            next = j;
                        }
                    }
                }
                for (int j = 0; j <= n; j++) {
                    if (used[j]) {
                        u[rowOfColumn[j]] += delta;
                        v[j] -= delta;
                    } else {
                        minSlack[j] -= delta;
                    }
                }
                column = next;
            } while (rowOfColumn[column] != 0);
            // Flip the path: every column on it takes the row before it.
            do {
                int previous = way[column];
                rowOfColumn[column] = rowOfColumn[previous];
                column = previous;
            } while (column != 0);
        }
        for (int j = 1; j <= faces; j++) {
            if (rowOfColumn[j] >= 1 && rowOfColumn[j] <= people) {
                faceOf[rowOfColumn[j] - 1] = j - 1;
            }
        }
        return faceOf;
    }
}
