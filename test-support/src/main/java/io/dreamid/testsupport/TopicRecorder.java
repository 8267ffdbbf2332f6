package io.dreamid.testsupport;

import io.dreamid.common.Topics;
import io.dreamid.common.json.Json;
import io.dreamid.common.messages.JobEvent;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * What a stage's integration test reads back from the embedded broker: the stage's output topics from their start,
 * every record kept (so a test can also check what did not come), and waits with a deadline for what should.
 * Thread-safe.
 */
public final class TopicRecorder implements AutoCloseable {
    private final KafkaConsumer<String, String> consumer;
    private final List<ConsumerRecord<String, String>> received = new ArrayList<>();
    private final Duration timeout;

    /** Reads {@code topics} of the embedded broker, waiting at most {@code timeout} for any one expected record. */
    public TopicRecorder(Duration timeout, String... topics) {
        this.timeout = timeout;
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, EmbeddedKafka.start(),
                ConsumerConfig.GROUP_ID_CONFIG, "recorder-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new StringDeserializer());
        consumer.subscribe(List.of(topics));
    }

    /** A string producer for the embedded broker (the caller closes it). */
    public static KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, EmbeddedKafka.start()),
                new StringSerializer(), new StringSerializer());
    }

    /** The first record that matches, polling until one comes or the timeout passes. */
    public synchronized ConsumerRecord<String, String> await(Predicate<ConsumerRecord<String, String>> match) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<ConsumerRecord<String, String>> found = received.stream().filter(match).findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no matching record within " + timeout + "; received " + received.size()
                        + " records: " + received.stream().map(r -> r.topic() + "/" + r.key()).toList());
            }
            poll(Duration.ofMillis(200));
        }
    }

    /** The first event on {@code dreamid.job-events} of {@code jobId} that matches, polling until one comes. */
    public JobEvent awaitEvent(String jobId, Predicate<JobEvent> which) {
        return event(await(r -> r.topic().equals(Topics.JOB_EVENTS) && jobId.equals(r.key())
                && which.test(event(r))));
    }

    /** The events of {@code jobId} received so far (after one short poll) that match. */
    public synchronized List<JobEvent> events(String jobId, Predicate<JobEvent> which) {
        poll(Duration.ofMillis(100));
        return received.stream().filter(r -> r.topic().equals(Topics.JOB_EVENTS) && jobId.equals(r.key()))
                .map(TopicRecorder::event).filter(which).toList();
    }

    /** Polls until {@code condition} holds, or fails after the timeout. */
    public void waitFor(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not seen within " + timeout);
            }
            synchronized (this) {
                poll(Duration.ofMillis(100));
            }
        }
    }

    /** Every record received so far, after polling for {@code settle} more. */
    public synchronized List<ConsumerRecord<String, String>> received(Duration settle) {
        poll(settle);
        return List.copyOf(received);
    }

    /** How many records of {@code key} on {@code topic} have been received so far. */
    public synchronized long count(String topic, String key) {
        return received.stream().filter(r -> r.topic().equals(topic) && key.equals(r.key())).count();
    }

    private void poll(Duration duration) {
        consumer.poll(duration).forEach(received::add);
    }

    private static JobEvent event(ConsumerRecord<String, String> r) {
        return Json.readMessage(r.value().getBytes(StandardCharsets.UTF_8), JobEvent.class);
    }

    @Override
    public synchronized void close() {
        consumer.close();
    }
}
