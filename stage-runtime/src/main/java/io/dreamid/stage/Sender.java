package io.dreamid.stage;

import io.dreamid.common.json.Json;
import io.dreamid.common.messages.JobEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Everything a stage produces, keyed by job id, through one producer. Awaited sends are retried (all of them again,
 * which the consumers' idempotence allows) with capped backoff until the broker has every record: while the broker
 * is away no failure could be reported either, so the record in hand is kept until it is back or the service stops.
 */
@ApplicationScoped
public class Sender {
    private static final Logger LOG = Logger.getLogger(Sender.class);

    private final KafkaProducer<String, String> producer;
    private final StageConfig config;
    private final Outages outages;
    private final StopSignal stop;

    Sender(KafkaSettings kafka, StageConfig config, Outages outages,
            StopSignal stop) {
        this.config = config;
        this.outages = outages;
        this.stop = stop;
        long timeout = config.retry().sendTimeout().toMillis();
        producer = new KafkaProducer<>(kafka.with(Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                // A job's few records are each on its critical path; batching buys nothing at the rate jobs arrive.
                ProducerConfig.LINGER_MS_CONFIG, 0,
                // An attempt ends within the send timeout, so a dead broker is retried by our backoff, not hidden.
                ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.max(1, timeout / 2),
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeout,
                ProducerConfig.CLIENT_ID_CONFIG, "dreamid-stage-" + ProcessHandle.current().pid())),
                new StringSerializer(), new StringSerializer());
    }

    /** The job event, not awaited: a failure is logged (the job's final, awaited event follows on the same key). */
    void sendAndForget(JobEvent event) {
        sendAndForget(event(event));
    }

    /** A tombstone (null value), not awaited. */
    void tombstone(String topic, String key) {
        sendAndForget(new ProducerRecord<>(topic, key, null));
    }

    /** An event for the events topic. */
    ProducerRecord<String, String> event(JobEvent event) {
        return record(config.eventsTopic(), event.jobId(), Json.toString(event));
    }

    static ProducerRecord<String, String> record(String topic, String key, String value) {
        return new ProducerRecord<>(topic, key, value);
    }

    /**
     * Sends the records together and returns once the broker has all of them.
     *
     * @throws StageStoppedException the service started to stop before the broker took them
     */
    void sendAll(List<ProducerRecord<String, String>> records) {
        Backoff backoff = null;
        while (true) {
            try {
                List<Future<?>> acks = new ArrayList<>(records.size());
                for (ProducerRecord<String, String> r : records) {
                    acks.add(producer.send(r));
                }
                long deadline = System.nanoTime() + config.retry().sendTimeout().toNanos();
                for (Future<?> ack : acks) {
                    ack.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                }
                outages.working(Outages.BROKER);
                return;
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                Exception cause = e instanceof ExecutionException && e.getCause() instanceof Exception c ? c : e;
                outages.failing(Outages.BROKER, cause);
                if (backoff == null) {
                    backoff = new Backoff(config.retry());
                }
                LOG.debugf("sending %d records for %s failed (%s); retrying", records.size(), records.get(0).key(),
                        cause.getMessage());
                backoff.pause(stop, config.retry().maxBackoff(), "sending for " + records.get(0).key());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StageStoppedException("interrupted while sending for " + records.get(0).key());
            }
        }
    }

    private void sendAndForget(ProducerRecord<String, String> r) {
        try {
            producer.send(r, (metadata, e) -> {
                if (e != null) {
                    LOG.warnf("the broker did not take a record for %s on %s: %s", r.key(), r.topic(), e.getMessage());
                }
            });
        } catch (RuntimeException e) {
            LOG.warnf("a record for %s on %s was not sent: %s", r.key(), r.topic(), e.getMessage());
        }
    }

    @PreDestroy
    void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
