package io.dreamid.diffusion.service;

import jakarta.enterprise.context.ApplicationScoped;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Job ids with a standing cancel request, as read from the compacted {@code dreamid.cancellations} topic. Written
 * by the cancellation consumer, read by the denoising loop between steps.
 */
@ApplicationScoped
public class CancellationRegistry {
    private final Set<String> cancelled = ConcurrentHashMap.newKeySet();

    public void cancel(String jobId) {
        cancelled.add(jobId);
    }

    /** A tombstone on the compacted topic withdraws the request. */
    public void withdraw(String jobId) {
        cancelled.remove(jobId);
    }

    public boolean isCancelled(String jobId) {
        return cancelled.contains(jobId);
    }
}
