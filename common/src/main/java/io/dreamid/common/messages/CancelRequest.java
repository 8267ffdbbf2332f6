package io.dreamid.common.messages;

import java.time.Instant;

/**
 * A request to stop a job, on the compacted topic {@code dreamid.cancellations}, keyed by {@code jobId}. Every
 * stage instance reads the whole topic, so whichever instance holds the job sees it.
 */
public record CancelRequest(int schemaVersion, String jobId, String tenant, Instant requestedAt) {

    public static CancelRequest of(String jobId, String tenant, Instant requestedAt) {
        return new CancelRequest(SchemaVersions.CURRENT, jobId, tenant, requestedAt);
    }
}
