package io.dreamid.common.messages;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.dreamid.common.json.Json;
import io.dreamid.common.json.MalformedMessageException;

import java.time.Instant;
import java.util.Map;

/**
 * A job to run, on topic {@code dreamid.jobs}, keyed by {@code jobId}. Produced by the gateway or by any other
 * system (see {@code schemas/job.schema.json}). At most one of {@code photoRef} and {@code identityId} is set:
 * a photo goes through face detection and encoding, an identity id goes straight to generation, and a job with
 * neither is plain text-to-image (its prompts name nobody): the encoder-service hands it to generation unchanged; a
 * job of several people has neither too, and names each person's identity in {@code spec.people}.
 *
 * @param photoRef   object key of the photo in the bucket, e.g. {@code inputs/{jobId}/photo.jpg}
 * @param identityId an identity encoded earlier ({@code identities/{identityId}.safetensors})
 * @param photos     for a job of several people: each photo part's name mapped to the object key of its photo, the
 *                   photo of every person whom {@code spec.people} names {@code photo:NAME}; null otherwise
 */
public record JobMessage(
        int schemaVersion,
        String jobId,
        String tenant,
        Instant createdAt,
        String photoRef,
        String identityId,
        JobSpec spec,
        Map<String, String> photos) implements JobScoped {

    /** A job without photos of several people. */
    public JobMessage(int schemaVersion, String jobId, String tenant, Instant createdAt, String photoRef,
            String identityId, JobSpec spec) {
        this(schemaVersion, jobId, tenant, createdAt, photoRef, identityId, spec, null);
    }

    public static JobMessage of(String jobId, String tenant, Instant createdAt, String photoRef, String identityId,
            JobSpec spec) {
        return of(jobId, tenant, createdAt, photoRef, identityId, spec, null);
    }

    public static JobMessage of(String jobId, String tenant, Instant createdAt, String photoRef, String identityId,
            JobSpec spec, Map<String, String> photos) {
        return new JobMessage(SchemaVersions.CURRENT, jobId, tenant, createdAt, photoRef, identityId, spec,
                photos == null || photos.isEmpty() ? null : Map.copyOf(photos));
    }

    /** A plain text-to-image job: no photo, no identity, nobody named in {@code spec.people}. */
    @JsonIgnore
    public boolean isTextOnly() {
        return photoRef == null && identityId == null && !hasPhotos() && (spec == null || !spec.isSeveralPeople());
    }

    /** Whether the job brings photos of several people ({@link #photos()}), which the face stage detects. */
    @JsonIgnore
    public boolean hasPhotos() {
        return photos != null && !photos.isEmpty();
    }

    /**
     * The face stage's jobs: those with a photo of their own ({@code photoRef}, {@link #photos()}) and no identity
     * (an identity wins, so that no job is generated twice). The others are the encoder's to forward.
     */
    @JsonIgnore
    public boolean needsFaceStage() {
        return identityId == null && (photoRef != null || hasPhotos());
    }

    /**
     * Reads a job message and checks the fields every reader relies on (the schema's required ones that have no
     * sensible default): a job without an id cannot be reported on, and one without a tenant belongs to nobody, so
     * nobody could ever see it or its images.
     *
     * @throws MalformedMessageException when the message cannot be read or lacks jobId or tenant
     */
    public static JobMessage read(byte[] bytes) {
        JobMessage job = Json.readMessage(bytes, JobMessage.class);
        if (job.jobId() == null || job.jobId().isBlank()) {
            throw new MalformedMessageException("missing field jobId");
        }
        if (job.tenant() == null || job.tenant().isBlank()) {
            throw new MalformedMessageException("missing field tenant (the tenant that owns the job; only its API"
                    + " keys see the job and its images)");
        }
        return job;
    }
}
