package io.dreamid.diffusion.messaging;

import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import org.eclipse.microprofile.reactive.messaging.Message;

/** The Kafka key of an incoming record: the job id on every DreamID topic. */
final class MessageKeys {
    private MessageKeys() {
    }

    static String key(Message<?> message) {
        return message.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(IncomingKafkaRecordMetadata::getKey)
                .map(Object::toString)
                .orElse(null);
    }
}
