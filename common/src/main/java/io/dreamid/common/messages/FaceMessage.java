package io.dreamid.common.messages;

import java.time.Instant;
import java.util.Map;

/**
 * An aligned face, on topic {@code dreamid.faces}, keyed by {@code jobId}: the face-service's output and the
 * encoder-service's input.
 *
 * @param cropRef       object key of the aligned crop (PNG, {@code cropSize} square)
 * @param faceRecordRef object key of the face record (JSON: box, score, keypoints, transform)
 * @param score         detector confidence of the chosen face, 0..1
 * @param facesFound    how many faces the photo had (for several people: the most of any photo)
 * @param crops         for a job of several people with photos: each photo part's name mapped to the object key of
 *                      its aligned crop (then photoRef, cropRef and faceRecordRef are absent and score is the lowest
 *                      of the chosen faces'); null for a job of one person
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
        int facesFound,
        Map<String, String> crops) implements JobScoped {

    /** The aligned face of a job of one person. */
    public FaceMessage(int schemaVersion, String jobId, String tenant, Instant createdAt, JobSpec spec,
            String photoRef, String cropRef, String faceRecordRef, int cropSize, double score, int facesFound) {
        this(schemaVersion, jobId, tenant, createdAt, spec, photoRef, cropRef, faceRecordRef, cropSize, score,
                facesFound, null);
    }
}
