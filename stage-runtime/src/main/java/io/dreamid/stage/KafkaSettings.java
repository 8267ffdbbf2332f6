package io.dreamid.stage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Kafka client settings of the service, for the runtime's own consumers and producer: every {@code kafka.*}
 * property (and {@code KAFKA_*} environment variable, {@code KAFKA_SASL_MECHANISM} being
 * {@code sasl.mechanism}), as SmallRye's Kafka connector takes them for its channels. A deployment that needs TLS,
 * SASL or a truststore configures it once for every client of the service.
 */
@ApplicationScoped
public class KafkaSettings {
    private static final String PREFIX = "kafka.";
    private static final String ENV_PREFIX = "KAFKA_";

    private final Map<String, Object> common;

    @Inject
    KafkaSettings(Config config) {
        this(read(config));
    }

    KafkaSettings(Map<String, Object> common) {
        if (!common.containsKey("bootstrap.servers")) {
            throw new IllegalStateException("kafka.bootstrap.servers (or KAFKA_BOOTSTRAP_SERVERS) is not set");
        }
        this.common = Map.copyOf(common);
    }

    /** The service's settings with {@code own} (what the runtime needs of this client) on top. */
    public Map<String, Object> with(Map<String, Object> own) {
        Map<String, Object> all = new TreeMap<>(common);
        all.putAll(own);
        return all;
    }

    /** The service's settings, names without the {@code kafka.} prefix. */
    public Map<String, Object> common() {
        return common;
    }

    static Map<String, Object> read(Config config) {
        Map<String, Object> settings = new TreeMap<>();
        for (String name : config.getPropertyNames()) {
            String property;
            if (name.startsWith(PREFIX)) {
                property = name;
            } else if (name.startsWith(ENV_PREFIX)) {
                // Kafka's client settings are lower case with dots, so the environment form maps back exactly.
                property = PREFIX + name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
            } else {
                continue;
            }
            config.getOptionalValue(property, String.class)
                    .ifPresent(value -> settings.put(property.substring(PREFIX.length()), value));
        }
        return settings;
    }
}
