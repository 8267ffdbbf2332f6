package io.dreamid.common.messages;

import java.time.Instant;

/**
 * An aligned face, on topic {@code dreamid.faces}, keyed by {@code jobId}: the face-service's output and the
 * encoder-service's input.
 *
 * @param cropRef       object key of the aligned crop (PNG, {@code cropSize} square)
 * @param faceRecordRef object key of the face record (JSON: box, score, keypoints, transform)
 * @param score         detector confidence of the chosen face, 0..1
 * @param facesFound    how many faces the photo had
 */
public record FaceMessage(
        int schemaVersion,
        String jobId,
        String tenant,
        Instant createdAt,
        JobSpec spec,
        String photoRef,
        String cropRef,
        String faceRecordRef,
        int cropSize,
        double score,
        int facesFound) implements JobScoped {
}
