import io.dreamid.common.TopicSetup;
import io.dreamid.common.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates the DreamID topics on the local broker before the services start, because the gateway's Kafka Streams
 * topology refuses to start on a missing source topic and the cancellations topic must be compacted, which a
 * topic created on first use is not. Started by {@code ./dreamid up} as a single-file program on the broker's
 * classpath and common's jar ({@code java -cp <platform classpath>:<common jar> CreateTopics.java ...}), so it
 * needs no build of its own; the topics and their layout are common's {@link Topics#platform}, the one list.
 *
 * <p>Usage: {@code CreateTopics <bootstrap servers> <timeout seconds> <partitions of the job topics>}.
 * It first waits until the broker answers a metadata request (its readiness), then creates the topics that are
 * missing; existing topics are left as they are. Exit status 0 when every topic exists afterwards, 1 otherwise.
 */
public class CreateTopics {

    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: CreateTopics <bootstrap servers> <timeout seconds> <partitions of the job topics>");
            System.exit(2);
        }
        try {
            int partitions = Integer.parseInt(args[2]);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[1]));
            try (Admin admin = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0],
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000))) {
                awaitBroker(admin, args[0], deadline);
                for (Topics.Spec created : TopicSetup.createMissing(admin, Topics.platform(partitions), (short) 1)) {
                    System.out.println("created topic " + TopicSetup.describe(created));
                }
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
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

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the broker", e);
        }
    }
}
