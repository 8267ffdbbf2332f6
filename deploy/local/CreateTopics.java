import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates the DreamID topics on the local broker before the services start, because the gateway's Kafka Streams
 * topology refuses to start on a missing source topic and the cancellations topic must be compacted, which a
 * topic created on first use is not. Started by {@code ./dreamid up} as a single-file program on the broker's
 * classpath ({@code java -cp <platform classpath> CreateTopics.java ...}), so it needs no build of its own.
 *
 * <p>Usage: {@code CreateTopics <bootstrap servers> <timeout seconds> <name>:<partitions>[:compact]...}.
 * It first waits until the broker answers a metadata request (its readiness), then creates the topics that are
 * missing; existing topics are left as they are. Exit status 0 when every topic exists afterwards, 1 otherwise.
 */
public class CreateTopics {

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: CreateTopics <bootstrap servers> <timeout seconds> <name>:<partitions>[:compact]...");
            System.exit(2);
        }
        try {
            List<NewTopic> topics = parseTopics(args);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[1]));
            try (Admin admin = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0],
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000))) {
                awaitBroker(admin, args[0], deadline);
                createMissing(admin, topics);
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
    }

    private static List<NewTopic> parseTopics(String[] args) {
        List<NewTopic> topics = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            String[] parts = args[i].split(":");
            if (parts.length < 2 || parts.length > 3 || parts[0].isBlank()
                    || (parts.length == 3 && !parts[2].equals("compact"))) {
                throw new IllegalArgumentException("topic spec '" + args[i]
                        + "' is not <name>:<partitions> or <name>:<partitions>:compact");
            }
            int partitions;
            try {
                partitions = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("topic spec '" + args[i] + "': partitions must be a number", e);
            }
            NewTopic topic = new NewTopic(parts[0], partitions, (short) 1);
            if (parts.length == 3) {
                topic.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            }
            topics.add(topic);
        }
        return topics;
    }

    /** A broker that lists its nodes has finished starting: its listeners and metadata are up. */
    private static void awaitBroker(Admin admin, String bootstrap, long deadline) {
        String lastError = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                    return;
                }
            } catch (ExecutionException | TimeoutException e) {
                lastError = String.valueOf(e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the broker", e);
            }
            sleep(Duration.ofMillis(250));
        }
        throw new IllegalStateException("the broker at " + bootstrap + " did not answer a metadata request: " + lastError);
    }

    private static void createMissing(Admin admin, List<NewTopic> topics) {
        try {
            Set<String> existing = admin.listTopics().names().get();
            for (NewTopic topic : topics) {
                if (existing.contains(topic.name())) {
                    continue;
                }
                try {
                    admin.createTopics(List.of(topic)).all().get();
                    System.out.println("created topic " + topic.name() + " (" + topic.numPartitions()
                            + (topic.numPartitions() == 1 ? " partition" : " partitions")
                            + (topic.configs() == null ? "" : ", compacted") + ")");
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + topic.name() + ": "
                                + e.getCause().getMessage(), e);
                    }
                }
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list the topics: " + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the broker", e);
        }
    }
}
