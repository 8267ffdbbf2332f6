package io.dreamid.face.detect;

import java.util.List;

/**
 * Every face found in a photo, in photo pixels, ordered left to right by box centre.
 *
 * @param faces   the faces as the whole-photo pass found them (box and coarse keypoints)
 * @param refined the same faces, in the same order, refined on their upright close-ups ({@link
 *                FaceDetector#refine}); what alignment uses
 * @param model   the model whose pass found them ({@code front-128} or {@code back-256})
 */
public record DetectionResult(List<Detection> faces, List<Detection> refined, BlazeFaceVariant model) {
    public DetectionResult {
        if (faces.size() != refined.size()) {
            throw new IllegalArgumentException(faces.size() + " faces but " + refined.size() + " refined");
        }
        faces = List.copyOf(faces);
        refined = List.copyOf(refined);
    }
}
