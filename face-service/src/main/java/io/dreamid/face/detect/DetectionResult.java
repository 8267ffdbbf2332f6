package io.dreamid.face.detect;

import java.util.List;

/**
 * Every face found in a photo, in photo pixels, ordered left to right by box centre.
 *
 * @param faces   the faces as the whole-photo pass found them (box and coarse keypoints)
 * @param refined the same faces, in the same order, refined on their upright close-ups ({@link
 *                FaceDetector#refine}); what alignment uses
 * @param model   the model whose pass found them ({@code front-128} or {@code back-256})
 * @param verified whether the faces passed verification on their upright close-ups (the detector's face score);
 *                false when no pass verified a face and the first pass's candidates are returned as they are
 */
public record DetectionResult(List<Detection> faces, List<Detection> refined, BlazeFaceVariant model,
        boolean verified) {

    /** Faces that were not verified. */
    public DetectionResult(List<Detection> faces, List<Detection> refined, BlazeFaceVariant model) {
        this(faces, refined, model, false);
    }

    public DetectionResult {
        if (faces.size() != refined.size()) {
            throw new IllegalArgumentException(faces.size() + " faces but " + refined.size() + " refined");
        }
        faces = List.copyOf(faces);
        refined = List.copyOf(refined);
    }
}
