package io.dreamid.face.messaging;

import io.dreamid.common.storage.StorageException;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.function.Supplier;

/** Runs an operation again after a growing pause when storage or the broker hiccups. */
final class Retry {
    private static final Logger LOG = Logger.getLogger(Retry.class);

    private final int attempts;
    private final Duration backoff;

    Retry(int attempts, Duration backoff) {
        this.attempts = Math.max(1, attempts);
        this.backoff = backoff;
    }

    /**
     * The result of {@code operation}, retried on {@link StorageException} and {@link TransientException}.
     *
     * @throws RuntimeException the last failure once every attempt failed
     */
    <T> T call(String what, Supplier<T> operation) {
        long pause = backoff.toMillis();
        for (int attempt = 1; ; attempt++) {
            try {
                return operation.get();
            } catch (StorageException | TransientException e) {
                if (attempt >= attempts) {
                    throw e;
                }
                LOG.warnf("%s failed (attempt %d of %d), retrying in %d ms: %s", what, attempt, attempts, pause,
                        e.getMessage());
                sleep(pause);
                pause *= 2;
            }
        }
    }

    void run(String what, Runnable operation) {
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
            throw new TransientException("interrupted while waiting to retry", e);
        }
    }

    /** A failure worth another attempt that is not a storage failure (e.g. the broker did not acknowledge). */
    static final class TransientException extends RuntimeException {
        TransientException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
