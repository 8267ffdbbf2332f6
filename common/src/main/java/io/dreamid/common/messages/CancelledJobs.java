package io.dreamid.common.messages;

import io.dreamid.common.json.Json;
import io.dreamid.common.json.MalformedMessageException;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The jobs with a standing cancel request, as read from the compacted {@code dreamid.cancellations} topic: every
 * stage instance reads the whole topic and applies each record here, and its workers ask before (and, for long
 * work, during) a job. Thread-safe.
 */
public final class CancelledJobs {
    private final Set<String> cancelled = ConcurrentHashMap.newKeySet();

    /**
     * Applies one record of the topic: a {@link CancelRequest} cancels its job (the record key when the request
     * names none); a tombstone (null value) withdraws the request of the key's job, which compaction removes once
     * the job is long finished.
     *
     * @throws MalformedMessageException the value is not a readable cancel request; nothing changes
     */
    public void apply(String key, String value) {
        if (value == null) {
            if (key != null) {
                cancelled.remove(key);
            }
            return;
        }
        CancelRequest request = Json.readMessage(value.getBytes(StandardCharsets.UTF_8), CancelRequest.class);
        String jobId = request.jobId() != null ? request.jobId() : key;
        if (jobId != null) {
            cancelled.add(jobId);
        }
    }

    public boolean isCancelled(String jobId) {
        return jobId != null && cancelled.contains(jobId);
    }
}
