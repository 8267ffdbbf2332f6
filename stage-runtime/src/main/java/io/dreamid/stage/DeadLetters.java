package io.dreamid.stage;

import com.fasterxml.jackson.databind.JsonNode;
import io.dreamid.common.Topics;
import io.dreamid.common.json.Json;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** A record that cannot be read, as it goes to its topic's dead-letter topic, and the tenant it may name. */
final class DeadLetters {
    private DeadLetters() {
    }

    /**
     * The record unchanged, on {@code <topic>.dlq}, with headers saying why and where from (the names SmallRye's
     * dead-letter strategy uses, so tools that read those keep working).
     */
    static ProducerRecord<String, String> of(ConsumerRecord<String, String> record, Exception reason) {
        ProducerRecord<String, String> dead = new ProducerRecord<>(Topics.deadLetter(record.topic()), record.key(),
                record.value());
        dead.headers().add("dead-letter-reason", bytes(String.valueOf(reason.getMessage())));
        dead.headers().add("dead-letter-topic", bytes(record.topic()));
        dead.headers().add("dead-letter-partition", bytes(Integer.toString(record.partition())));
        dead.headers().add("dead-letter-offset", bytes(Long.toString(record.offset())));
        return dead;
    }

    /**
     * The tenant a message that cannot be read names, if it is JSON with a text tenant: then the failure is
     * visible to that tenant at the gateway (a message of an unsupported schema version, say). Null otherwise.
     */
    static String tenantOf(String payload) {
        if (payload == null) {
            return null;
        }
        try {
            JsonNode tenant = Json.mapper().readTree(payload).path("tenant");
            return tenant.isTextual() && !tenant.asText().isBlank() ? tenant.asText() : null;
        } catch (IOException | RuntimeException notJson) {
            return null;
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
