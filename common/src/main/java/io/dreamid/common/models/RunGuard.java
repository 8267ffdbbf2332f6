package io.dreamid.common.models;

import org.jboss.logging.Logger;

import java.time.Duration;

/**
 * Keeps a service's native models (ONNX Runtime sessions) open while runs use them. Closing a session while a run
 * is inside it crashes the JVM (SIGSEGV in {@code libonnxruntime.so}), and a stopping service destroys its beans
 * while a job abandoned after the shutdown grace may still be at its last step: every model run is bracketed by
 * {@link #enter()}, and the holder closes its models through {@link #closeWhenIdle}.
 */
public final class RunGuard {
    private static final Logger LOG = Logger.getLogger(RunGuard.class);

    private final String name;
    private int inFlight;
    private boolean closed;

    /** @param name what the guarded models are, for the log */
    public RunGuard(String name) {
        this.name = name;
    }

    /** One run in progress; closing it ends the run. */
    public interface Run extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Starts a run.
     *
     * @throws IllegalStateException if the models are closed (the service is stopping and takes no new work)
     */
    public synchronized Run enter() {
        if (closed) {
            throw new IllegalStateException("the " + name + " are closed: the service is stopping");
        }
        inFlight++;
        return this::exit;
    }

    private synchronized void exit() {
        inFlight--;
        notifyAll();
    }

    /** Runs in progress now. */
    public synchronized int inFlight() {
        return inFlight;
    }

    /**
     * Refuses new runs, waits up to {@code wait} for the runs in progress to end, then runs {@code close}. If runs
     * are still in progress then, the models are left open: the process is exiting and the operating system frees
     * their memory, where closing them would crash it.
     *
     * @return whether {@code close} ran
     */
    public boolean closeWhenIdle(Duration wait, Runnable close) {
        synchronized (this) {
            closed = true;
            long deadline = System.nanoTime() + wait.toNanos();
            while (inFlight > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    LOG.warnf("%d runs of the %s still in progress after %s: leaving the models open for the process"
                            + " exit (closing them under a run would crash the JVM)", inFlight, name, wait);
                    return false;
                }
                try {
                    wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        close.run();
        return true;
    }
}
