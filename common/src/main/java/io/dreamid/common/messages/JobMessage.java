package io.dreamid.common.messages;

import java.time.Instant;

/**
 * A job to run, on topic {@code dreamid.jobs}, keyed by {@code jobId}. Produced by the gateway or by any other
 * system (see {@code schemas/job.schema.json}). Exactly one of {@code photoRef} and {@code identityId} is set:
 * a photo goes through face detection and encoding, an identity id goes straight to generation.
 *
 * @param photoRef   object key of the photo in the bucket, e.g. {@code inputs/{jobId}/photo.jpg}
 * @param identityId an identity encoded earlier ({@code identities/{identityId}.safetensors})
 */
public record JobMessage(
        int schemaVersion,
        String jobId,
        String tenant,
        Instant createdAt,
        String photoRef,
        String identityId,
        JobSpec spec) {

    public static JobMessage of(String jobId, String tenant, Instant createdAt, String photoRef, String identityId,
            JobSpec spec) {
        return new JobMessage(SchemaVersions.CURRENT, jobId, tenant, createdAt, photoRef, identityId, spec);
    }
}
