package io.dreamid.stage;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The runtime's Kafka clients get every Kafka setting of the service, from application.properties and from the
 * environment (what a Kubernetes Secret gives: SCRAM over TLS), the environment winning as everywhere in Quarkus.
 */
class KafkaSettingsTest {

    @Test
    void propertiesAndEnvironmentVariablesBecomeClientSettings() {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(Map.of(
                        "kafka.bootstrap.servers", "localhost:19092",
                        "kafka.security.protocol", "PLAINTEXT",
                        "dreamid.stage.events-topic", "dreamid.job-events"), "application.properties", 250))
                .withSources(new EnvConfigSource(Map.of(
                        "KAFKA_BOOTSTRAP_SERVERS", "dreamid-kafka-bootstrap:9093",
                        "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                        "KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
                        "KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/kafka-ca/ca.p12",
                        "PATH", "/usr/bin"), 300))
                .build();

        KafkaSettings settings = new KafkaSettings(KafkaSettings.read(config));

        assertThat(settings.common()).containsOnly(
                Map.entry("bootstrap.servers", "dreamid-kafka-bootstrap:9093"),
                Map.entry("security.protocol", "SASL_SSL"),
                Map.entry("sasl.mechanism", "SCRAM-SHA-512"),
                Map.entry("ssl.truststore.location", "/etc/kafka-ca/ca.p12"));
        assertThat(settings.with(Map.of("group.id", "dreamid-face", "security.protocol", "SSL")))
                .containsEntry("group.id", "dreamid-face")
                .containsEntry("security.protocol", "SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512");
    }

    @Test
    void aServiceWithoutABrokerAddressIsRefused() {
        assertThatThrownBy(() -> new KafkaSettings(Map.of("security.protocol", "SSL")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("kafka.bootstrap.servers");
    }
}
