package io.dreamid.diffusion.messaging;

import io.dreamid.common.messages.QueueWait;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.time.Instant;

/** The Kafka key of an incoming record (the job id on every DreamID topic), and how long the record waited. */
final class MessageKeys {
    private MessageKeys() {
    }

    static String key(Message<?> message) {
        return message.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(IncomingKafkaRecordMetadata::getKey)
                .map(Object::toString)
                .orElse(null);
    }

    /** The record's {@link QueueWait}: how long the job waited for this stage, or null when unknown. */
    static Long waitMillis(Message<?> message) {
        return QueueWait.millis(message.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(IncomingKafkaRecordMetadata::getTimestamp).orElse(null), Instant.now());
    }
}
