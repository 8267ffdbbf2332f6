package io.dreamid.face.recognize;

import io.dreamid.facerec.FaceRecognitionGraph;

import java.util.List;

/**
 * What the face recognition network says about one face.
 *
 * @param descriptor dlib's 128-d descriptor, not normalised; compare with the euclidean distance
 * @param pooled     the global mean of the features at the end of each resolution stage, in the order of
 *                   {@link FaceRecognitionGraph#POOLED} (32, 64, 128, 256, 256 values)
 */
public record FaceEmbedding(float[] descriptor, List<float[]> pooled) {
    public double distanceTo(FaceEmbedding other) {
        return distance(descriptor, other.descriptor);
    }

    public static double distance(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("descriptors of different lengths: " + a.length + ", " + b.length);
        }
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            sum += d * d;
        }
        return Math.sqrt(sum);
    }
}
