package io.dreamid.stage;

/** The job a message is about, as the handler reads it from the message. */
public record JobRef(String jobId, String tenant) {
}
