package io.dreamid.testsupport;

import io.dreamid.common.Topics;
import io.dreamid.common.storage.ObjectStore;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Proves the shared test servers are real: a record round-trips through the broker, an object through S3. */
class EmbeddedServersIT {

    @Test
    void brokerHasTheDreamIdTopicsAndCarriesRecords() throws Exception {
        String servers = EmbeddedKafka.start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers))) {
            assertThat(admin.listTopics().names().get()).contains(Topics.JOBS, Topics.JOB_EVENTS, Topics.CANCELLATIONS);
            assertThat(admin.describeTopics(List.of(Topics.JOBS)).allTopicNames().get().get(Topics.JOBS).partitions())
                    .hasSize(EmbeddedKafka.PARTITIONS);
        }
        String topic = "support-selftest";
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers), new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "k", "hello")).get();
        }
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                ConsumerConfig.GROUP_ID_CONFIG, "selftest",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            String seen = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (seen == null && System.nanoTime() < deadline) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                if (!records.isEmpty()) {
                    seen = records.iterator().next().value();
                }
            }
            assertThat(seen).isEqualTo("hello");
        }
    }

    @Test
    void s3ServerStoresListsAndPresigns() throws Exception {
        ObjectStore store = EmbeddedS3.store();
        byte[] bytes = "a blob".getBytes(StandardCharsets.UTF_8);
        store.put("selftest/a.txt", bytes, "text/plain", Map.of("k", "v"));

        assertThat(store.get("selftest/a.txt")).isEqualTo(bytes);
        assertThat(store.stat("selftest/a.txt")).get().satisfies(info -> {
            assertThat(info.size()).isEqualTo(bytes.length);
            assertThat(info.userMetadata()).containsEntry("k", "v");
        });
        assertThat(store.list("selftest/")).containsExactly("selftest/a.txt");
        assertThat(store.exists("selftest/missing")).isFalse();

        String url = store.presignedGet("selftest/a.txt", Duration.ofMinutes(1));
        HttpResponse<byte[]> response = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(bytes);
    }
}
