package io.dreamid.common.storage;

import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * Storage calls with retries: a {@link StorageException} (unreachable, refused, I/O) is retried with doubling
 * backoff; when the attempts run out, the stage's own failure (built by {@code exhausted}, e.g. a STORAGE_ERROR
 * that ends the job) is thrown. Other exceptions (e.g. {@link ObjectNotFoundException}) pass through at once.
 */
public final class StorageRetry {
    private static final Logger LOG = Logger.getLogger(StorageRetry.class);

    private final int attempts;
    private final long backoffMillis;
    private final BiFunction<String, Exception, RuntimeException> exhausted;

    /**
     * @param exhausted the exception to throw when every attempt failed, from a message saying what failed and
     *                  the last cause (also used when the wait is interrupted)
     */
    public StorageRetry(int attempts, Duration backoff, BiFunction<String, Exception, RuntimeException> exhausted) {
        this.attempts = Math.max(1, attempts);
        this.backoffMillis = backoff.toMillis();
        this.exhausted = exhausted;
    }

    public <T> T call(String what, Supplier<T> operation) {
        long wait = backoffMillis;
        for (int attempt = 1; ; attempt++) {
            try {
                return operation.get();
            } catch (StorageException e) {
                if (attempt >= attempts) {
                    throw exhausted.apply("object storage failed to " + what + " after " + attempts + " attempts: "
                            + e.getMessage(), e);
                }
                LOG.warnf("attempt %d of %d to %s failed (%s); retrying in %d ms", attempt, attempts, what,
                        e.getMessage(), wait);
                sleep(wait, what);
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

    private void sleep(long millis, String what) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw exhausted.apply("interrupted while waiting to retry: " + what, e);
        }
    }
}
