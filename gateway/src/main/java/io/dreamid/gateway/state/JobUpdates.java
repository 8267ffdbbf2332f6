package io.dreamid.gateway.state;

import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Fan-out of job view changes from the fold (jobs of this replica's partitions) and the global store's processor
 * (every job) to whoever listens: server-sent event streams (per job) and the job views (every job). A change
 * usually arrives twice, and the two sources may interleave; listeners keep the newest
 * ({@link JobView#isOlderFoldThan}). Listeners run on Kafka Streams threads and must return quickly.
 */
@ApplicationScoped
public class JobUpdates {
    private final Map<String, List<Consumer<JobView>>> byJob = new ConcurrentHashMap<>();
    private final List<Consumer<JobView>> everyJob = new CopyOnWriteArrayList<>();

    /** Called for every view the fold writes and every update of the global store. */
    public void changed(JobView view) {
        for (Consumer<JobView> listener : everyJob) {
            listener.accept(view);
        }
        List<Consumer<JobView>> listeners = byJob.get(view.jobId());
        if (listeners != null) {
            for (Consumer<JobView> listener : listeners) {
                listener.accept(view);
            }
        }
    }

    /** Listens to one job until the returned handle is closed. */
    public AutoCloseable subscribe(String jobId, Consumer<JobView> listener) {
        byJob.computeIfAbsent(jobId, id -> new CopyOnWriteArrayList<>()).add(listener);
        return () -> byJob.computeIfPresent(jobId, (id, listeners) -> {
            listeners.remove(listener);
            return listeners.isEmpty() ? null : listeners;
        });
    }

    /** Listens to every job for the life of the application. */
    public void subscribeAll(Consumer<JobView> listener) {
        everyJob.add(listener);
    }

    /** How many per-job listeners are open (for tests and metrics). */
    public int openSubscriptions() {
        return byJob.values().stream().mapToInt(List::size).sum();
    }
}
