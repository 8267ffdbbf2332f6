package io.dreamid.common.messages;

import java.time.Instant;
import java.util.Map;

/**
 * An encoded identity ready for generation, on topic {@code dreamid.identities}, keyed by {@code jobId}.
 *
 * @param identityId     content-derived id of the identity (aligned crop + encoder version)
 * @param embeddingRef   object key of the K x width float32 embedding ({@code identities/{identityId}.safetensors})
 * @param encoderVersion version of the encoder bundle that produced it
 * @param words          K, the number of pseudo-words
 * @param width          embedding width (the text encoder's hidden size)
 * @param reused         true when the embedding was already in storage and was not computed again
 * @param people         for a job of several people: each {@code {id:NAME}} name's identity (then identityId and
 *                       embeddingRef are absent and words is 0); null otherwise. A text-only job has neither.
 */
public record IdentityMessage(
        int schemaVersion,
        String jobId,
        String tenant,
        Instant createdAt,
        JobSpec spec,
        String identityId,
        String embeddingRef,
        String encoderVersion,
        int words,
        int width,
        boolean reused,
        Map<String, PersonIdentity> people) implements JobScoped {

    /** A message of one person's identity, or of none (text-only): no {@code people}. */
    public IdentityMessage(int schemaVersion, String jobId, String tenant, Instant createdAt, JobSpec spec,
            String identityId, String embeddingRef, String encoderVersion, int words, int width, boolean reused) {
        this(schemaVersion, jobId, tenant, createdAt, spec, identityId, embeddingRef, encoderVersion, words, width,
                reused, null);
    }
}
