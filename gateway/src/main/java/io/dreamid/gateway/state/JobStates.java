package io.dreamid.gateway.state;

import io.dreamid.common.messages.DatasetMessage;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.gateway.config.GatewayConfig;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads job views: the global store of the Kafka Streams topology (every job of every partition), plus a small
 * overlay of the changes this replica has just published and the store has not shown yet, so that a client
 * reads its own writes.
 */
@ApplicationScoped
public class JobStates {
    /** Above this many overlay entries, expired ones are swept on the next write. */
    private static final int OVERLAY_SWEEP_SIZE = 1024;
    /** Decoded views kept for reads; past this many the cache starts over (reads fall back to the store). */
    private static final int DECODED_MAX = 100_000;

    @Inject
    KafkaStreams streams;

    @Inject
    JobUpdates updates;

    @Inject
    GatewayConfig config;

    private final Map<String, Pending> overlay = new ConcurrentHashMap<>();
    /**
     * The latest views the fold of this replica and the global store's processor have reported, already decoded:
     * a status read then neither parses JSON nor allocates for it. The newer of the two wins, so an entry is never
     * older than the store; views restored at start are not in it and are read from the store.
     */
    private final Map<String, JobView> decoded = new ConcurrentHashMap<>();
    private volatile ReadOnlyKeyValueStore<String, JobView> store;

    @PostConstruct
    void listen() {
        updates.subscribeAll(view -> {
            if (decoded.size() >= DECODED_MAX) {
                decoded.clear();
            }
            if (view.status() == null) {
                decoded.remove(view.jobId()); // a deleted job (the global store reports it as an empty view)
            } else {
                // Views come from the fold and, later, from the global store: keep the newest.
                decoded.merge(view.jobId(), view, (old, latest) -> latest.isOlderFoldThan(old) ? old : latest);
            }
            overlay.computeIfPresent(view.jobId(), (id, pending) -> view.isAtLeast(pending.view()) ? null : pending);
        });
    }

    /** The job's current view, if the job is known. */
    public Optional<JobView> find(String jobId) {
        Pending pending = overlay.get(jobId);
        JobView stored = decoded.get(jobId);
        try {
            if (stored == null) {
                stored = views().get(jobId);
            }
        } catch (InvalidStateStoreException e) {
            store = null;
            if (pending != null) {
                return Optional.of(pending.view());
            }
            throw new StateUnavailableException(e);
        }
        return Optional.ofNullable(newer(stored, pending)).filter(JobView::isKnown);
    }

    /** The tenant's most recent jobs (newest first), optionally only those with {@code status}; no dataset builds. */
    public List<JobView> recent(String tenant, JobStatus status, int limit) {
        return recent(tenant, status, limit, false);
    }

    /**
     * The tenant's most recent jobs or dataset builds (newest first), optionally only those with {@code status}.
     * A build is folded like a job; its id tells it apart ({@link DatasetMessage#isDatasetId}).
     */
    public List<JobView> recent(String tenant, JobStatus status, int limit, boolean datasets) {
        Map<String, JobView> jobs = new HashMap<>();
        try (KeyValueIterator<String, JobView> all = views().all()) {
            all.forEachRemaining(entry -> {
                if (entry.value != null && tenant.equals(entry.value.tenant())) {
                    jobs.put(entry.key, entry.value);
                }
            });
        } catch (InvalidStateStoreException e) {
            store = null;
            throw new StateUnavailableException(e);
        }
        // The fold reports a change before the global store has it: a job read by id must be listed too.
        decoded.forEach((jobId, view) -> {
            if (tenant.equals(view.tenant())) {
                jobs.merge(jobId, view, (stored, latest) -> latest.isOlderFoldThan(stored) ? stored : latest);
            }
        });
        overlay.forEach((jobId, pending) -> {
            if (tenant.equals(pending.view().tenant())) {
                jobs.put(jobId, newer(jobs.get(jobId), pending));
            }
        });
        return jobs.values().stream()
                .filter(view -> view.isKnown() && (status == null || view.status() == status)
                        && DatasetMessage.isDatasetId(view.jobId()) == datasets)
                .sorted(Comparator.comparing(JobView::createdAt, Comparator.nullsLast(Comparator.reverseOrder()))
                        .thenComparing(JobView::jobId))
                .limit(limit)
                .toList();
    }

    /** Remembers a change this replica has published until the Kafka view shows it. */
    public void published(JobView view) {
        if (overlay.size() > OVERLAY_SWEEP_SIZE) {
            Instant cutoff = Instant.now().minus(config.overlayTtl());
            overlay.values().removeIf(pending -> pending.addedAt().isBefore(cutoff));
        }
        overlay.put(view.jobId(), new Pending(view, Instant.now()));
    }

    /** Whether the global store can be queried (Kafka Streams is running and has loaded the state topic). */
    public boolean isQueryable() {
        try {
            views().approximateNumEntries();
            return true;
        } catch (InvalidStateStoreException e) {
            store = null;
            return false;
        }
    }

    /** Jobs in the global store. */
    public long size() {
        return views().approximateNumEntries();
    }

    private static JobView newer(JobView stored, Pending pending) {
        if (pending == null || (stored != null && stored.isAtLeast(pending.view()))) {
            return stored;
        }
        return pending.view();
    }

    private ReadOnlyKeyValueStore<String, JobView> views() {
        ReadOnlyKeyValueStore<String, JobView> current = store;
        if (current == null) {
            if (streams.state() != KafkaStreams.State.RUNNING && streams.state() != KafkaStreams.State.REBALANCING) {
                throw new InvalidStateStoreException("Kafka Streams is " + streams.state());
            }
            current = streams.store(StoreQueryParameters.fromNameAndType(JobStateTopology.VIEW_STORE,
                    QueryableStoreTypes.keyValueStore()));
            store = current;
        }
        return current;
    }

    private record Pending(JobView view, Instant addedAt) {
    }

    /** Job state cannot be read yet (Kafka Streams is starting or restoring). */
    public static final class StateUnavailableException extends RuntimeException {
        StateUnavailableException(Throwable cause) {
            super("job state is not available yet (the gateway is still loading it from Kafka); retry shortly",
                    cause);
        }
    }
}
