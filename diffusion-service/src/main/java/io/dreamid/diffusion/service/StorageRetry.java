package io.dreamid.diffusion.service;

import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.storage.StorageException;
import io.dreamid.diffusion.config.DiffusionConfig;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.function.Supplier;

/**
 * Storage calls with retries: a {@link StorageException} (unreachable, refused, I/O) is retried with doubling
 * backoff; when the attempts run out the job fails with STORAGE_ERROR. Other exceptions (e.g. object not found)
 * pass through at once.
 */
@ApplicationScoped
public class StorageRetry {
    private static final Logger LOG = Logger.getLogger(StorageRetry.class);

    private final int attempts;
    private final long backoffMillis;

    StorageRetry(DiffusionConfig config) {
        this.attempts = Math.max(1, config.storageAttempts());
        this.backoffMillis = config.storageBackoff().toMillis();
    }

    public <T> T call(String what, Supplier<T> operation) {
        long wait = backoffMillis;
        for (int attempt = 1; ; attempt++) {
            try {
                return operation.get();
            } catch (StorageException e) {
                if (attempt >= attempts) {
                    throw new StageFailure(ErrorCodes.STORAGE_ERROR,
                            "object storage failed to " + what + " after " + attempts + " attempts: " + e.getMessage(),
                            e);
                }
                LOG.warnf("attempt %d of %d to %s failed (%s); retrying in %d ms", attempt, attempts, what,
                        e.getMessage(), wait);
                sleep(wait);
                wait *= 2;
            }
        }
    }

    public void run(String what, Runnable operation) {
        call(what, () -> {
            operation.run();
            return null;
        });
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StageFailure(ErrorCodes.STORAGE_ERROR, "interrupted while waiting to retry storage", e);
        }
    }
}
