package io.dreamid.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * Quarkus test resource: points the service under test at the shared in-JVM Kafka broker. Use with
 * {@code @QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = true)} or globally.
 */
public class KafkaResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return Map.of("kafka.bootstrap.servers", EmbeddedKafka.start());
    }

    @Override
    public void stop() {
        // shared by all test classes of the JVM; stopped by a shutdown hook
    }
}
