package io.dreamid.gateway.state;

import io.smallrye.mutiny.Multi;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

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

    /**
     * The changes of one job (or dataset build) as a stream for server-sent events: the current view first, then
     * every change once and in order, ending after a terminal one.
     *
     * @param current the view the caller has checked (it exists and is the caller's)
     */
    public <T> Multi<T> follow(JobView current, JobStates states, Function<JobView, T> response) {
        String jobId = current.jobId();
        return Multi.createFrom().emitter(emitter -> {
            AtomicReference<JobView> last = new AtomicReference<>();
            Consumer<JobView> send = view -> {
                synchronized (last) {
                    JobView previous = last.get();
                    // Each change comes from the fold and again from the global store: send it once, in order.
                    if (emitter.isCancelled() || view.status() == null || (previous != null
                            && (previous.status().isTerminal() || previous.equals(view)
                            || !view.isAtLeast(previous) || view.isOlderFoldThan(previous)))) {
                        return;
                    }
                    last.set(view);
                    emitter.emit(response.apply(view));
                    if (view.status().isTerminal()) {
                        emitter.complete();
                    }
                }
            };
            AutoCloseable subscription = subscribe(jobId, send);
            emitter.onTermination(() -> {
                try {
                    subscription.close();
                } catch (Exception ignored) {
                    // removing a listener from a map cannot fail
                }
            });
            // Subscribed first, then the current state: a change in between is either in it or delivered after it.
            send.accept(states.find(jobId).orElse(current));
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
