package io.dreamid.stage;

import java.time.Duration;

/** Capped exponential backoff for one retried operation; the wait is cut short when the service stops. */
final class Backoff {
    private final long maxMillis;
    private long nextMillis;

    Backoff(StageConfig.Retry config) {
        this.nextMillis = Math.max(1, config.initialBackoff().toMillis());
        this.maxMillis = Math.max(nextMillis, config.maxBackoff().toMillis());
    }

    /**
     * Waits before the next attempt, at most {@code limit}.
     *
     * @throws StageStoppedException the service started to stop (before or while waiting)
     */
    void pause(StopSignal stop, Duration limit, String what) {
        long wait = Math.min(nextMillis, Math.max(0, limit.toMillis()));
        nextMillis = Math.min(maxMillis, nextMillis * 2);
        long until = System.nanoTime() + wait * 1_000_000L;
        for (long left = wait; left > 0; left = (until - System.nanoTime()) / 1_000_000L) {
            stop.check(what);
            try {
                Thread.sleep(Math.min(left, 100));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StageStoppedException("interrupted while waiting to retry " + what);
            }
        }
        stop.check(what);
    }
}
