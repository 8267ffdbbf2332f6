package io.dreamid.diffusion.service;

import io.dreamid.common.messages.CancelledJobs;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Job ids with a standing cancel request, as read from the compacted {@code dreamid.cancellations} topic. Written
 * by the cancellation consumer, read by the denoising loop between steps.
 */
@ApplicationScoped
public class CancellationRegistry {
    private final CancelledJobs cancelled = new CancelledJobs();

    /** Applies one record of the topic; see {@link CancelledJobs#apply}. */
    public void apply(String key, String value) {
        cancelled.apply(key, value);
    }

    public boolean isCancelled(String jobId) {
        return cancelled.isCancelled(jobId);
    }
}
