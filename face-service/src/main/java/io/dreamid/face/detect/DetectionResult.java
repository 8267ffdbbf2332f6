package io.dreamid.face.detect;

import java.util.List;

/**
 * Every face found in a photo, in photo pixels, ordered left to right by box centre.
 *
 * @param model the model whose pass found them ({@code front-128} or {@code back-256})
 */
public record DetectionResult(List<Detection> faces, BlazeFaceVariant model) {
}
