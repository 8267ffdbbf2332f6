package io.dreamid.diffusion.messaging;

import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import org.eclipse.microprofile.reactive.messaging.Message;

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

    /**
     * Milliseconds from the record's timestamp (when its producer sent it) to now: the time a job spent in the topic
     * and the consumer before this stage took it, which more workers would cut. Null when the record has none.
     */
    static Long waitMillis(Message<?> message) {
        return message.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(IncomingKafkaRecordMetadata::getTimestamp)
                .filter(t -> t.toEpochMilli() > 0)
                .map(t -> Math.max(0, System.currentTimeMillis() - t.toEpochMilli()))
                .orElse(null);
    }
}
