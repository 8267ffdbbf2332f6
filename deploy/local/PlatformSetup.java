import io.dreamid.common.TopicSetup;
import io.dreamid.common.Topics;
import io.dreamid.common.storage.ObjectStore;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sets up what the services expect on the local broker and S3 server before they start: the DreamID topics and
 * the bucket. The topics, because the gateway's Kafka Streams topology refuses to start on a missing source topic
 * and the cancellations topic must be compacted, which a topic created on first use is not; their list and layout
 * are common's {@link Topics#platform}, the one list. The bucket through common's {@link ObjectStore} (the S3
 * client the services use), so the runner signs no S3 request of its own. Started by {@code ./dreamid up} as a
 * single-file program on the platform classpath and common's jar ({@code java -cp <platform classpath>:<common
 * jar> PlatformSetup.java ...}), so it needs no build of its own.
 *
 * <p>Usage: {@code PlatformSetup <bootstrap servers> <timeout seconds> <partitions of the job topics> <S3
 * endpoint>}; the bucket and its credentials from {@code DREAMID_STORAGE_BUCKET}, {@code _ACCESS_KEY},
 * {@code _SECRET_KEY} (defaults those of the runner). It first waits until the broker answers a metadata request
 * (its readiness), then creates the topics that are missing (existing topics are left as they are), then the
 * bucket if it is missing. Exit status 0 when every topic and the bucket exist afterwards, 1 otherwise.
 */
public class PlatformSetup {

    public static void main(String[] args) {
        if (args.length != 4) {
            System.err.println("usage: PlatformSetup <bootstrap servers> <timeout seconds> <partitions of the job"
                    + " topics> <S3 endpoint>");
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
            ObjectStore store = new ObjectStore(args[3], null, env("DREAMID_STORAGE_ACCESS_KEY", "dreamid"),
                    env("DREAMID_STORAGE_SECRET_KEY", "dreamid-secret"), env("DREAMID_STORAGE_BUCKET", "dreamid"),
                    env("DREAMID_STORAGE_REGION", "us-east-1"));
            store.ensureBucket();
            System.out.println("bucket " + store.bucket() + " ready");
        } catch (RuntimeException e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
        // The S3 client's HTTP dispatcher threads are not daemons: the program ends here, not when they idle out.
        System.exit(0);
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
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
