package io.dreamid.gateway.idempotency;

import jakarta.enterprise.context.RequestScoped;

import java.util.Optional;

/**
 * The {@code Idempotency-Key} of the current submission, set by {@link IdempotencyKeyFilter} once it is checked,
 * and whether the answer is the first job of that key rather than a new one.
 */
@RequestScoped
public class SubmissionKey {
    private String key;
    private boolean replayed;

    /** The key the client sent with this submission, if any. */
    public Optional<String> key() {
        return Optional.ofNullable(key);
    }

    /** Whether this request was answered with the job an earlier submission of the same key started. */
    public boolean replayed() {
        return replayed;
    }

    void set(String key) {
        this.key = key;
    }

    void markReplayed() {
        this.replayed = true;
    }
}
