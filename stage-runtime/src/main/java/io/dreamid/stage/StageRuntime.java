package io.dreamid.stage;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts an {@link InputLoop} for every {@link StageHandler} bean of the service and the cancellation listener;
 * at shutdown stops taking records, lets the jobs in hand end within {@code dreamid.stage.shutdown-grace}, and
 * only then lets the beans (and the models they hold) be destroyed.
 */
@ApplicationScoped
public class StageRuntime {
    private static final Logger LOG = Logger.getLogger(StageRuntime.class);

    private final List<InputLoop<?>> loops = new ArrayList<>();
    private final Instance<StageHandler<?>> handlers;
    private final StageConfig config;
    private final KafkaSettings kafka;
    private final CancellationListener listener;
    private final InputLoop.Runtime shared;
    private final StopSignal stop;

    StageRuntime(Instance<StageHandler<?>> handlers, StageConfig config,
            KafkaSettings kafka, CancellationListener listener,
            Sender sender, Cancellations cancellations, Outages outages, StopSignal stop, JobOutcomes outcomes) {
        this.handlers = handlers;
        this.config = config;
        this.kafka = kafka;
        this.listener = listener;
        this.stop = stop;
        this.shared = new InputLoop.Runtime(sender, cancellations, outages, stop, config, outcomes);
    }

    void onStart(@Observes StartupEvent event) {
        handleStopSignals();
        listener.start();
        for (StageHandler<?> handler : handlers) {
            StageConfig.Input input = config.inputs().get(handler.input());
            if (input == null) {
                throw new IllegalStateException("the input \"" + handler.input() + "\" of "
                        + handler.getClass().getSimpleName() + " is not configured: set dreamid.stage.inputs."
                        + handler.input() + ".topic");
            }
            InputLoop<?> loop = new InputLoop<>(handler, input, kafka, shared);
            loops.add(loop);
            loop.start();
            LOG.infof("stage %s consumes %s with %d workers", handler.stage().name().toLowerCase(), input.topic(),
                    input.workers());
        }
    }

    /**
     * SIGTERM and SIGINT stop the stage's work before the JVM starts its shutdown: ONNX Runtime releases its
     * environment in a JVM shutdown hook of its own, which runs at the same time as Quarkus's, so a model run still
     * in progress then fails or crashes the JVM inside {@code libonnxruntime.so}. On the signal no new record is
     * taken, the jobs in hand stop at their next step (their records stay uncommitted and are redelivered) or end,
     * within the shutdown grace; then the JVM exits with the signal's status (128 + signal) through the usual
     * shutdown.
     */
    private void handleStopSignals() {
        for (String name : List.of("TERM", "INT")) {
            try {
                sun.misc.Signal signal = new sun.misc.Signal(name);
                sun.misc.Signal.handle(signal, s -> {
                    LOG.infof("SIG%s: stopping the stage's work before shutting down", name);
                    drain(config.shutdownGrace());
                    System.exit(128 + s.getNumber());
                });
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                LOG.debugf("cannot handle SIG%s (%s): the JVM's default shutdown applies", name, e.getMessage());
            }
        }
    }

    /** Stops taking records and waits up to {@code grace} for the records in work to end or stop. */
    void drain(Duration grace) {
        stop.stop();
        long deadline = System.nanoTime() + grace.toNanos();
        while (loops.stream().anyMatch(l -> l.inWork() > 0) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        stop.stop();
        for (InputLoop<?> loop : loops) {
            loop.stop(config.shutdownGrace());
        }
        listener.stop();
    }

    /** Whether every input's consumer is running. */
    public boolean consuming() {
        return !loops.isEmpty() && loops.stream().allMatch(InputLoop::polling);
    }
}
