package io.dreamid.common.messages;

/**
 * Where a job is, as a user sees it. The order of the constants is the order a job moves through;
 * the gateway's fold never moves a job to a lower rank, and a terminal status is final.
 */
public enum JobStatus {
    ACCEPTED,
    DETECTING,
    ENCODING,
    GENERATING,
    SUCCEEDED,
    FAILED,
    CANCELLED;

    public boolean isTerminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }

    /** Progress order: a job never goes from a higher rank back to a lower one. */
    public int rank() {
        return isTerminal() ? SUCCEEDED.ordinal() : ordinal();
    }
}
