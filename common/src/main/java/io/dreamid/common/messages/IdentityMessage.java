package io.dreamid.common.messages;

import java.time.Instant;

/**
 * An encoded identity ready for generation, on topic {@code dreamid.identities}, keyed by {@code jobId}.
 *
 * @param identityId     content-derived id of the identity (aligned crop + encoder version)
 * @param embeddingRef   object key of the K x width float32 embedding ({@code identities/{identityId}.safetensors})
 * @param encoderVersion version of the encoder bundle that produced it
 * @param words          K, the number of pseudo-words
 * @param width          embedding width (the text encoder's hidden size)
 * @param reused         true when the embedding was already in storage and was not computed again
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
        boolean reused) {
}
