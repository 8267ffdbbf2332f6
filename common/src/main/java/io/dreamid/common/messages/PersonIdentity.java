package io.dreamid.common.messages;

/**
 * One person of a job of several people, on {@link IdentityMessage#people()}: the identity named for a
 * {@code {id:NAME}} placeholder, with where its words are and their shape.
 *
 * @param identityId     the identity
 * @param embeddingRef   object key of its K x width float32 embedding
 * @param encoderVersion version of the encoder bundle that produced it
 * @param words          K
 * @param width          embedding width
 */
public record PersonIdentity(String identityId, String embeddingRef, String encoderVersion, int words, int width) {
}
