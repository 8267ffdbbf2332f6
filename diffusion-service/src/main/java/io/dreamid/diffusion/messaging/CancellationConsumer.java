package io.dreamid.diffusion.messaging;

import io.dreamid.common.json.MalformedMessageException;
import io.dreamid.diffusion.service.CancellationRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.util.concurrent.CompletionStage;

/**
 * Reads the whole compacted {@code dreamid.cancellations} topic: each instance has its own consumer group (a random
 * id, no committed offsets, from the earliest record), because whichever instance holds a job must see its cancel
 * request. A null value (tombstone) withdraws a request.
 */
@ApplicationScoped
public class CancellationConsumer {
    public static final String CHANNEL = "cancellations";
    private static final Logger LOG = Logger.getLogger(CancellationConsumer.class);

    private final CancellationRegistry registry;

    CancellationConsumer(CancellationRegistry registry) {
        this.registry = registry;
    }

    @Incoming(CHANNEL)
    public CompletionStage<Void> onCancel(Message<String> message) {
        String key = MessageKeys.key(message);
        try {
            registry.apply(key, message.getPayload());
        } catch (MalformedMessageException e) {
            LOG.warnf("ignoring an unreadable cancel request (key %s): %s", key, e.getMessage());
        }
        return message.ack();
    }
}
