package io.dreamid.encoder.messaging;

import io.dreamid.common.json.MalformedMessageException;
import io.dreamid.common.messages.CancelledJobs;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.util.concurrent.CompletionStage;

/**
 * The jobs cancelled so far. Every instance reads the whole compacted {@code dreamid.cancellations} topic with a
 * consumer group of its own, so it knows every cancelled job whichever partition of the faces it holds. A cancelled
 * job is skipped without events: the gateway has already marked it CANCELLED.
 */
@ApplicationScoped
public class Cancellations {
    public static final String CHANNEL = "cancellations";
    static final String METRIC_SKIPPED = "dreamid.encoder.cancelled";
    private static final Logger LOG = Logger.getLogger(Cancellations.class);

    private final CancelledJobs cancelled = new CancelledJobs();
    private final MeterRegistry registry;

    Cancellations(MeterRegistry registry) {
        this.registry = registry;
    }

    @Incoming(CHANNEL)
    public CompletionStage<Void> onCancel(Message<String> message) {
        String key = MessageKeys.key(message);
        try {
            cancelled.apply(key, message.getPayload());
        } catch (MalformedMessageException e) {
            LOG.warnf("ignoring an unreadable cancel request (key %s): %s", key, e.getMessage());
        }
        return message.ack();
    }

    public boolean isCancelled(String jobId) {
        return cancelled.isCancelled(jobId);
    }

    /** True (and counted) when the job is cancelled and its message must be skipped. */
    boolean skip(String jobId) {
        if (!isCancelled(jobId)) {
            return false;
        }
        LOG.infof("job %s is cancelled; skipping it", jobId);
        registry.counter(METRIC_SKIPPED).increment();
        return true;
    }
}
