package io.dreamid.stage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The one cancellation listener of a stage instance: reads every partition of the compacted cancellations topic
 * from its start, with no consumer group (every instance must see every request, and nothing is committed), into
 * {@link Cancellations}. Once a minute it forgets the requests older than the retention and writes a tombstone for
 * each, so that compaction removes them from the topic as well.
 */
@ApplicationScoped
public class CancellationListener {
    private static final Logger LOG = Logger.getLogger(CancellationListener.class);
    private static final Duration EXPIRY_INTERVAL = Duration.ofMinutes(1);
    private static final Duration PARTITION_REFRESH = Duration.ofSeconds(30);

    private final Cancellations cancellations;
    private final String topic;
    private final KafkaSettings kafka;
    private final Sender sender;
    private volatile boolean running;
    private KafkaConsumer<String, String> consumer;
    private Thread thread;

    CancellationListener(KafkaSettings kafka, StageConfig config,
            Sender sender) {
        this.kafka = kafka;
        this.topic = config.cancellationsTopic();
        this.sender = sender;
        this.cancellations = new Cancellations(config.cancellationRetention());
    }

    @Produces
    @Singleton
    Cancellations cancellations() {
        return cancellations;
    }

    synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        consumer = new KafkaConsumer<>(kafka.with(Map.of(
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")),
                new StringDeserializer(), new StringDeserializer());
        thread = new Thread(this::listen, "stage-cancellations");
        thread.setDaemon(true);
        thread.start();
    }

    private void listen() {
        long nextRefresh = 0;
        long nextExpiry = System.nanoTime() + EXPIRY_INTERVAL.toNanos();
        try {
            while (running) {
                long now = System.nanoTime();
                if (now >= nextRefresh) {
                    assignNewPartitions();
                    // Until the topic exists, look again soon: a cancel request must not wait for the next refresh.
                    nextRefresh = now + (consumer.assignment().isEmpty() ? 1_000_000_000L : PARTITION_REFRESH.toNanos());
                }
                if (now >= nextExpiry) {
                    for (String jobId : cancellations.expire(Instant.now())) {
                        sender.tombstone(topic, jobId);
                    }
                    nextExpiry = now + EXPIRY_INTERVAL.toNanos();
                }
                if (consumer.assignment().isEmpty()) {
                    Thread.sleep(200);
                    continue;
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    cancellations.apply(r.key(), r.value(), r.timestamp() > 0 ? Instant.ofEpochMilli(r.timestamp())
                            : null);
                }
            }
        } catch (WakeupException | InterruptedException stopping) {
            // close() ends the loop
        } catch (RuntimeException e) {
            LOG.errorf(e, "the cancellation listener stopped");
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    /** Takes the topic's partitions not yet read (all at first; more if the topic grew or did not exist yet). */
    private void assignNewPartitions() {
        List<PartitionInfo> infos;
        try {
            infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            LOG.debugf("partitions of %s not known yet: %s", topic, e.getMessage());
            return;
        }
        List<TopicPartition> all = infos == null ? List.of()
                : infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        if (!all.isEmpty() && !consumer.assignment().containsAll(all)) {
            List<TopicPartition> added = all.stream().filter(p -> !consumer.assignment().contains(p)).toList();
            consumer.assign(all);
            consumer.seekToBeginning(added);
        }
    }

    synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        consumer.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
