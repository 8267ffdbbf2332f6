package io.dreamid.gateway.state;

import io.dreamid.common.json.Json;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.jboss.logging.Logger;

import java.io.IOException;

/**
 * JSON serde on the wire mapping of common's {@link Json}. A value that cannot be read becomes null, which the
 * topology treats as "skip": one bad record must not stop the fold of every other job.
 */
public final class JsonSerde<T> implements Serde<T> {
    private static final Logger LOG = Logger.getLogger(JsonSerde.class);

    private final Class<T> type;

    public JsonSerde(Class<T> type) {
        this.type = type;
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> value == null ? null : Json.toBytes(value);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return Json.mapper().readValue(bytes, type);
            } catch (IOException e) {
                LOG.warnf("skipping a record of %s that is not a %s: %s", topic, type.getSimpleName(),
                        e.getMessage());
                return null;
            }
        };
    }
}
