package io.dreamid.stage;

import io.dreamid.common.json.Json;
import io.dreamid.common.json.MalformedMessageException;
import io.dreamid.common.messages.CancelRequest;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The jobs with a standing cancel request, read from the whole compacted {@code dreamid.cancellations} topic by
 * every instance ({@link CancellationListener}). Memory is bounded by the retention: a request older than the
 * retention (the gateway has forgotten its job by then) is dropped, and {@link #expire} returns it so that a
 * tombstone can remove it from the topic too. Thread-safe.
 */
public final class Cancellations {
    private static final Logger LOG = Logger.getLogger(Cancellations.class);

    private final Map<String, Instant> requested = new ConcurrentHashMap<>();
    private final AtomicLong skipped = new AtomicLong();
    private final Duration retention;

    public Cancellations(Duration retention) {
        this.retention = retention;
    }

    /**
     * Applies one record of the topic: a {@link CancelRequest} cancels its job (the record key when the request
     * names none) as of its {@code requestedAt} (else the record's time); a tombstone (null value) withdraws it.
     * An unreadable value is logged and changes nothing.
     */
    public void apply(String key, String value, Instant recordTime) {
        if (value == null) {
            if (key != null) {
                requested.remove(key);
            }
            return;
        }
        CancelRequest request;
        try {
            request = Json.readMessage(value.getBytes(StandardCharsets.UTF_8), CancelRequest.class);
        } catch (MalformedMessageException e) {
            LOG.warnf("ignoring an unreadable cancel request (key %s): %s", key, e.getMessage());
            return;
        }
        String jobId = request.jobId() != null ? request.jobId() : key;
        if (jobId != null) {
            requested.put(jobId, request.requestedAt() != null ? request.requestedAt()
                    : recordTime != null ? recordTime : Instant.now());
        }
    }

    public boolean isCancelled(String jobId) {
        return jobId != null && requested.containsKey(jobId);
    }

    /** Forgets the requests older than the retention at {@code now}; returns their job ids. */
    public List<String> expire(Instant now) {
        Instant oldest = now.minus(retention);
        List<String> expired = new ArrayList<>();
        requested.forEach((jobId, at) -> {
            if (at.isBefore(oldest) && requested.remove(jobId, at)) {
                expired.add(jobId);
            }
        });
        return expired;
    }

    /** Counts a record skipped because its job was cancelled. */
    void skipped(String jobId) {
        LOG.infof("job %s is cancelled; skipping it", jobId);
        skipped.incrementAndGet();
    }

    /** How many records were skipped because their job was cancelled, since the start. */
    public long skippedCount() {
        return skipped.get();
    }

    /** How many requests are remembered. */
    public int size() {
        return requested.size();
    }
}
