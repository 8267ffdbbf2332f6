package io.dreamid.face.messaging;

import io.dreamid.common.json.MalformedMessageException;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The Kafka side of {@code dreamid.jobs}: runs each job on one of the face workers (never on the event loop),
 * acknowledges it once its outputs and events are on the broker, and nacks what cannot be read so that the
 * channel's dead-letter strategy moves it to {@code dreamid.jobs.dlq} and the partition keeps flowing.
 */
@ApplicationScoped
public class JobConsumer {
    static final String CHANNEL = "jobs";
    /** Named worker pool; its size is {@code smallrye.messaging.worker.face-workers.max-concurrency}. */
    static final String WORKERS = "face-workers";
    private static final Logger LOG = Logger.getLogger(JobConsumer.class);

    @Inject
    JobHandler handler;

    @Incoming(CHANNEL)
    @Blocking(value = WORKERS, ordered = false)
    public CompletionStage<Void> consume(Message<String> message) {
        Optional<IncomingKafkaRecordMetadata> kafka = message.getMetadata(IncomingKafkaRecordMetadata.class);
        String key = kafka.map(m -> m.getKey() == null ? null : m.getKey().toString()).orElse(null);
        Instant sentAt = kafka.map(IncomingKafkaRecordMetadata::getTimestamp).orElse(null);
        try {
            handler.handle(message.getPayload(), sentAt);
            return message.ack();
        } catch (MalformedMessageException e) {
            LOG.warnf("unreadable job message (key %s) goes to the dead-letter topic: %s", key, e.getMessage());
            try {
                handler.reportMalformed(key, message.getPayload(), e);
            } catch (RuntimeException reportFailure) {
                LOG.warnf("could not report the malformed message of key %s: %s", key, reportFailure.getMessage());
            }
            return message.nack(e);
        } catch (RuntimeException e) {
            LOG.errorf(e, "job message (key %s) could not be handled; it goes to the dead-letter topic", key);
            return message.nack(e);
        }
    }
}
