package io.dreamid.testsupport.bench;

import io.dreamid.testsupport.EmbeddedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The floor under every hand-off between two stages: the time from a producer's send to a consumer (already
 * polling, as a stage is) having the record, on the in-JVM broker, one record at a time with pauses between, as
 * jobs arrive. Prints the acknowledged-send and the send-to-receive latency, p50/p95, for the producer's default
 * linger and for linger 0; asserts nothing.
 *
 * <p>Run: {@code ./mvnw -B -pl test-support test-compile org.codehaus.mojo:exec-maven-plugin:3.6.2:java
 * -Dexec.classpathScope=test -Dexec.cleanupDaemonThreads=false
 * -Dexec.mainClass=io.dreamid.testsupport.bench.KafkaHopBenchmark}.
 */
public final class KafkaHopBenchmark {
    private static final int ROUNDS = Integer.getInteger("rounds", 200);
    private static final long PAUSE_MS = Long.getLong("pause.ms", 50);

    public static void main(String[] args) throws Exception {
        String servers = EmbeddedKafka.start();
        String topic = "bench.hop";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", servers))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        for (String linger : new String[] {null, "0"}) {
            run(servers, topic, linger);
        }
        System.exit(0);
    }

    private static void run(String servers, String topic, String linger) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        if (linger != null) {
            p.put(ProducerConfig.LINGER_MS_CONFIG, linger);
        }
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-" + System.nanoTime());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        long[] acked = new long[ROUNDS];
        long[] received = new long[ROUNDS];
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p);
                KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
            consumer.subscribe(List.of(topic));
            while (consumer.assignment().isEmpty()) {
                consumer.poll(Duration.ofMillis(100));
            }
            // Receive on a thread of its own that is always polling, as a stage's consumer is.
            long[] arrivals = new long[ROUNDS];
            Thread receiver = new Thread(() -> {
                int got = 0;
                while (got < ROUNDS) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                        arrivals[Integer.parseInt(r.value())] = System.nanoTime();
                        got++;
                    }
                }
            });
            receiver.start();
            Thread.sleep(500);
            long[] sent = new long[ROUNDS];
            for (int i = 0; i < ROUNDS; i++) {
                sent[i] = System.nanoTime();
                producer.send(new ProducerRecord<>(topic, "job-" + i, Integer.toString(i))).get();
                acked[i] = System.nanoTime() - sent[i];
                Thread.sleep(PAUSE_MS);
            }
            receiver.join(30_000);
            for (int i = 0; i < ROUNDS; i++) {
                received[i] = arrivals[i] - sent[i];
            }
        }
        System.out.printf(Locale.ROOT, "linger.ms %-7s: acknowledged send p50 %.2f ms p95 %.2f ms | send to receive"
                + " p50 %.2f ms p95 %.2f ms%n", linger == null ? "default" : linger, pct(acked, 50), pct(acked, 95),
                pct(received, 50), pct(received, 95));
    }

    private static double pct(long[] nanos, int p) {
        long[] warm = Arrays.copyOfRange(nanos, nanos.length / 4, nanos.length);
        Arrays.sort(warm);
        return warm[Math.min(warm.length - 1, (int) Math.ceil(p / 100.0 * warm.length) - 1)] / 1e6;
    }
}
