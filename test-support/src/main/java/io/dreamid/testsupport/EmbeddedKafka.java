package io.dreamid.testsupport;

import io.dreamid.common.TopicSetup;
import io.dreamid.common.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A real Kafka broker (KRaft, one combined broker + controller) inside the test JVM, started once and shared by
 * every test class of that JVM. The DreamID topics ({@link Topics#platform}) are created up front with the
 * partition counts of a deployment, so consumers and Kafka Streams see the same layout as in production.
 */
public final class EmbeddedKafka {
    /** Partitions of the job topics: more than one, so that tests see real partitioning. */
    public static final int PARTITIONS = 3;

    private static KafkaClusterTestKit cluster;
    private static Path logDirectory;
    private static String bootstrapServers;

    private EmbeddedKafka() {
    }

    /** Starts the broker on first call; returns its bootstrap servers. */
    public static synchronized String start() {
        if (bootstrapServers != null) {
            return bootstrapServers;
        }
        try {
            // Our own folder, not the test kit's default: that one is deleted by a shutdown hook of Kafka's test
            // utilities that can run while the broker is still up, and a broker whose log folder vanishes halts
            // the JVM with exit code 1 after every test has passed.
            Path logs = Files.createTempDirectory("dreamid-kafka-");
            KafkaClusterTestKit kit = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                    .setBaseDirectory(logs)
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .build())
                    .setConfigProp("group.initial.rebalance.delay.ms", 0)
                    .setConfigProp("offsets.topic.replication.factor", (short) 1)
                    .setConfigProp("transaction.state.log.replication.factor", (short) 1)
                    .setConfigProp("transaction.state.log.min.isr", 1)
                    .setConfigProp("auto.create.topics.enable", true)
                    .setConfigProp("num.partitions", 1)
                    .setDeleteOnClose(false)
                    .build();
            kit.format();
            kit.startup();
            kit.waitForReadyBrokers();
            cluster = kit;
            logDirectory = logs;
            bootstrapServers = kit.bootstrapServers();
            createDreamIdTopics(bootstrapServers);
            Runtime.getRuntime().addShutdownHook(new Thread(EmbeddedKafka::stopQuietly, "embedded-kafka-stop"));
            return bootstrapServers;
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the embedded Kafka broker: " + e.getMessage(), e);
        }
    }

    private static void createDreamIdTopics(String servers) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers))) {
            TopicSetup.createMissing(admin, Topics.platform(PARTITIONS), (short) 1);
        }
    }

    private static synchronized void stopQuietly() {
        if (cluster != null) {
            try {
                cluster.close();
            } catch (Exception ignored) {
                // the JVM is exiting; what is left of the log folder is removed below
            }
            cluster = null;
            deleteQuietly(logDirectory);
        }
    }

    private static void deleteQuietly(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // a temporary folder the OS cleans up anyway
        }
    }
}
