package io.dreamid.stage;

import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.storage.StorageException;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Object-storage calls that ride out an outage: a {@link StorageException} (refused, timed out, I/O) is retried
 * with capped exponential backoff while the stage pauses its inputs, until the call succeeds or the outage budget
 * ({@code dreamid.stage.retry.outage-budget}) is spent; then the job fails {@code STORAGE_ERROR}. Other
 * exceptions (an absent object, a too large one) pass through at once.
 */
@ApplicationScoped
public class StageRetry {
    private static final Logger LOG = Logger.getLogger(StageRetry.class);

    private final StageConfig.Retry config;
    private final Outages outages;
    private final StopSignal stop;

    StageRetry(StageConfig config, Outages outages, StopSignal stop) {
        this.config = config.retry();
        this.outages = outages;
        this.stop = stop;
    }

    /**
     * The result of {@code operation}, retried through storage outages.
     *
     * @throws StageFailure          STORAGE_ERROR once the outage budget is spent
     * @throws StageStoppedException the service started to stop while waiting
     */
    public <T> T call(String what, Supplier<T> operation) {
        Backoff backoff = null;
        long firstFailure = 0;
        for (int attempt = 1; ; attempt++) {
            try {
                T result = operation.get();
                outages.working(Outages.STORAGE);
                return result;
            } catch (StorageException e) {
                outages.failing(Outages.STORAGE, e);
                long now = System.nanoTime();
                if (backoff == null) {
                    backoff = new Backoff(config);
                    firstFailure = now;
                }
                Duration left = config.outageBudget().minusNanos(now - firstFailure);
                if (left.isNegative() || left.isZero()) {
                    throw new StageFailure(ErrorCodes.STORAGE_ERROR, "object storage could not " + what + " for "
                            + Duration.ofNanos(now - firstFailure).toSeconds() + " s (" + attempt + " attempts): "
                            + e.getMessage(), e);
                }
                LOG.debugf("attempt %d to %s failed (%s); retrying", attempt, what, e.getMessage());
                backoff.pause(stop, left, what);
            }
        }
    }

    public void run(String what, Runnable operation) {
        call(what, () -> {
            operation.run();
            return null;
        });
    }
}
