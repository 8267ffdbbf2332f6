package io.dreamid.gateway;

import java.time.Duration;
import java.util.function.Supplier;

/** Polls a condition until it holds or a deadline passes (tests never sleep a fixed time). */
public final class Await {
    private Await() {
    }

    public static void until(String what, Duration timeout, Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        AssertionError last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (Boolean.TRUE.equals(condition.get())) {
                    return;
                }
            } catch (AssertionError e) {
                last = e;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
        AssertionError timedOut = new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for "
                + what);
        if (last != null) {
            timedOut.initCause(last);
        }
        throw timedOut;
    }
}
