package io.dreamid.face.messaging;

import io.dreamid.common.json.MalformedMessageException;
import io.dreamid.common.messages.CancelledJobs;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.util.concurrent.CompletionStage;

/**
 * The jobs cancelled so far. Every instance reads the whole compacted {@code dreamid.cancellations} topic with a
 * consumer group of its own, so it knows every cancelled job whichever partition of the jobs it holds.
 */
@ApplicationScoped
public class Cancellations {
    static final String CHANNEL = "cancellations";
    private static final Logger LOG = Logger.getLogger(Cancellations.class);

    private final CancelledJobs cancelled = new CancelledJobs();

    @Incoming(CHANNEL)
    public CompletionStage<Void> onCancel(Message<String> message) {
        String key = message.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(m -> m.getKey() == null ? null : m.getKey().toString()).orElse(null);
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
}
