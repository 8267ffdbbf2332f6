package io.dreamid.face.dataset;

import com.fasterxml.jackson.databind.JsonNode;
import io.dreamid.common.ObjectKeys;
import io.dreamid.common.Topics;
import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.image.RgbImage;
import io.dreamid.common.image.SafeImageDecoder;
import io.dreamid.common.json.Json;
import io.dreamid.common.messages.DatasetMessage;
import io.dreamid.common.messages.DatasetSpec;
import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.ErrorInfo;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.JobMessage;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.Stage;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.face.dataset.DatasetPlan.Generation;
import io.dreamid.face.detect.TestImages;
import io.dreamid.testsupport.EmbeddedS3;
import io.dreamid.testsupport.TopicRecorder;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dataset builder against a real broker and S3 server (run by {@code FaceServiceIT}, whose face-service it
 * shares: one Quarkus start for both), with this test standing in for the generation stages:
 * it takes each job the build sends to {@code dreamid.jobs} and "generates" it by storing real photos at the job's
 * output keys and sending its SUCCEEDED event (or a FAILED one). Pairs of the same person are kept with their
 * distance, another person's photo is dropped as too far, noise as no face, two people as several faces, a failed
 * job's images as failed; a redelivered build sends no job again and writes the same manifest.
 */
public final class DatasetBuildScenario {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String NOISE = "/judge/tiny-bundle-ddim.png";

    private static KafkaProducer<String, String> producer;
    private static TopicRecorder topics;
    private static ObjectStore store;

    private DatasetBuildScenario() {
    }

    /** Runs the scenario against the face-service the caller has started. */
    public static void run() throws Exception {
        connect();
        try {
            pairsAreKeptOrDroppedByReasonAndARedeliveredBuildRepeatsNothing();
        } finally {
            disconnect();
        }
    }

    private static void connect() {
        producer = TopicRecorder.producer();
        topics = new TopicRecorder(TIMEOUT, Topics.JOBS, Topics.JOB_EVENTS);
        store = EmbeddedS3.store();
    }

    private static void disconnect() {
        producer.close();
        topics.close();
    }

    private static void pairsAreKeptOrDroppedByReasonAndARedeliveredBuildRepeatsNothing() throws Exception {
        BufferedImage astronaut = TestImages.image(TestImages.ASTRONAUT);
        BufferedImage hopper = TestImages.image(TestImages.HOPPER);
        byte[] astronautAgain = TestImages.png(TestImages.scaled(TestImages.mirrored(astronaut), 0.8));
        byte[] hopperAgain = TestImages.png(TestImages.scaled(hopper, 0.9));
        byte[] noise = TestImages.bytes(NOISE);
        byte[] twoPeople = TestImages.png(TestImages.sideBySide(astronaut, 512, hopper, 240));

        String id = DatasetMessage.ID_PREFIX + UUID.randomUUID();
        DatasetSpec spec = new DatasetSpec(List.of("Eileen Collins", "Grace Hopper", "Nobody", "Two People"),
                List.of("{name} as a chef"), null, 1, 2, 64, 64, 2, null, null, 11L, null).withDefaults();
        DatasetMessage message = DatasetMessage.of(id, "acme", Instant.now().truncatedTo(ChronoUnit.MILLIS), spec);
        DatasetPlan plan = DatasetPlan.of(message);
        // name -> (portrait, the two edited images); null: that job fails
        Map<Integer, List<byte[]>> generated = Map.of(
                0, List.of(TestImages.png(astronaut), astronautAgain, TestImages.png(hopper)),
                1, List.of(TestImages.png(hopper), hopperAgain, noise),
                3, List.of(twoPeople, astronautAgain, astronautAgain));

        producer.send(new ProducerRecord<>(Topics.DATASETS, id, Json.toString(message)));
        for (Generation g : plan.generations()) {
            JobMessage job = jobOf(g.jobId());
            assertThat(job).isEqualTo(g.job());
            assertThat(job.isTextOnly()).isTrue();
            assertThat(job.spec().prompts()).containsExactly(DatasetSpec.fill(g.template(),
                    spec.names().get(g.name())));
            if (g.name() == 2 && !g.portrait()) {
                producer.send(new ProducerRecord<>(Topics.JOB_EVENTS, g.jobId(), Json.toString(JobEvent.failed(
                        g.jobId(), "acme", Stage.DIFFUSION, ErrorInfo.of(ErrorCodes.INTERNAL, "a test failure"),
                        Map.of(), Instant.now()))));
                continue;
            }
            for (int i = 0; i < g.outputs().size(); i++) {
                byte[] png = g.name() == 2 ? noise : generated.get(g.name()).get(g.portrait() ? 0 : 1 + i);
                store.put(g.outputs().get(i), png, "image/png");
            }
            producer.send(new ProducerRecord<>(Topics.JOB_EVENTS, g.jobId(), Json.toString(
                    JobEvent.succeeded(g.jobId(), "acme", Stage.DIFFUSION, g.outputs()))));
        }

        JobEvent built = topics.awaitEvent(id, e -> e.status().isTerminal());
        assertThat(built.status()).as("%s", built.error()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(built.stage()).isEqualTo(Stage.DATASET);
        String manifestKey = ObjectKeys.datasetFile(id, "manifest.jsonl");
        String summaryKey = ObjectKeys.datasetFile(id, "summary.json");
        assertThat(built.outputs()).containsExactly(manifestKey, summaryKey);

        List<JsonNode> lines = lines(store.get(manifestKey));
        assertThat(lines).hasSize(2);
        JsonNode eileen = lines.get(0);
        assertThat(eileen.get("name").asText()).isEqualTo("Eileen Collins");
        assertThat(eileen.get("prompt").asText()).isEqualTo("{id} as a chef");
        assertThat(eileen.get("portrait").asText()).isEqualTo("crops/0-0.png");
        assertThat(eileen.get("portraitImage").asText()).isEqualTo("portraits/0-0.png");
        assertThat(eileen.get("chip").asText()).isEqualTo("chips/0-0.png");
        assertThat(eileen.get("image").asText()).isEqualTo("images/0-0-0.png");
        assertThat(eileen.get("seed").asLong()).isEqualTo(plan.generations().get(1).job().spec().seed());
        assertThat(eileen.get("distance").asDouble()).isBetween(0.0, 0.6);
        JsonNode grace = lines.get(1);
        assertThat(grace.get("name").asText()).isEqualTo("Grace Hopper");
        assertThat(grace.get("image").asText()).isEqualTo("images/1-0-0.png");
        assertThat(grace.get("distance").asDouble()).isBetween(0.0, 0.6);
        for (JsonNode line : lines) {
            RgbImage crop = SafeImageDecoder.decode(store.get(ObjectKeys.datasetFile(id, line.get("portrait")
                    .asText())), ImageLimits.DEFAULT);
            assertThat(crop.width()).isEqualTo(112);
            // The dlib chip of the portrait's face: what an encoder bundle with crop: dlib-chip (the built-in) reads.
            RgbImage chip = SafeImageDecoder.decode(store.get(ObjectKeys.datasetFile(id, line.get("chip").asText())),
                    ImageLimits.DEFAULT);
            assertThat(chip.width()).isEqualTo(150);
            assertThat(chip.height()).isEqualTo(150);
            assertThat(store.exists(ObjectKeys.datasetFile(id, line.get("image").asText()))).isTrue();
            assertThat(store.exists(ObjectKeys.datasetFile(id, line.get("portraitImage").asText()))).isTrue();
        }
        assertThat(store.get(ObjectKeys.datasetFile(id, "images/0-0-0.png"))).isEqualTo(astronautAgain);
        assertThat(store.exists(ObjectKeys.datasetFile(id, "images/0-0-1.png"))).as("the other person").isFalse();

        JsonNode summary = Json.mapper().readTree(store.get(summaryKey));
        JsonNode pairs = summary.get("pairs");
        assertThat(pairs.get("total").asInt()).isEqualTo(8);
        assertThat(pairs.get("kept").asInt()).isEqualTo(2);
        assertThat(pairs.at("/dropped/tooFar").asInt()).as("Grace Hopper's photo as Eileen Collins").isEqualTo(1);
        assertThat(pairs.at("/dropped/noFace").asInt()).as("noise as Grace Hopper").isEqualTo(1);
        assertThat(pairs.at("/dropped/failed").asInt()).as("Nobody's failed edit job").isEqualTo(2);
        assertThat(pairs.at("/dropped/severalFaces").asInt()).as("the two-people portrait").isEqualTo(2);
        assertThat(summary.at("/portraits/kept").asInt()).isEqualTo(2);
        assertThat(store.list(ObjectKeys.dataset(id) + "chips/")).as("a chip per kept portrait")
                .containsExactlyInAnyOrder(ObjectKeys.datasetFile(id, "chips/0-0.png"),
                        ObjectKeys.datasetFile(id, "chips/1-0.png"));
        assertThat(summary.at("/portraits/noFace").asInt()).isEqualTo(1);
        assertThat(summary.at("/portraits/severalFaces").asInt()).isEqualTo(1);
        assertThat(summary.at("/failedImagesByCode/INTERNAL").asInt()).isEqualTo(2);
        assertThat(summary.at("/spec/maxDistance").asDouble()).isEqualTo(0.6);
        assertThat(summary.at("/run/jobsSent").asInt()).isEqualTo(8);
        assertThat(summary.get("elapsedMs").asLong()).isPositive();

        // Delivered again (as after a stopped follower): every job is stored or ended, so nothing is sent, and the
        // manifest is the same, byte for byte.
        byte[] manifest = store.get(manifestKey);
        long jobsBefore = plan.generations().stream().mapToLong(g -> topics.count(Topics.JOBS, g.jobId())).sum();
        producer.send(new ProducerRecord<>(Topics.DATASETS, id, Json.toString(message)));
        topics.waitFor("the second run's summary", () -> summaryRun(summaryKey) != null
                && summaryRun(summaryKey).get("jobsSent").asInt() == 0);
        assertThat(summaryRun(summaryKey).get("jobsWithEveryImageStored").asInt()).isEqualTo(7);
        assertThat(store.get(manifestKey)).isEqualTo(manifest);
        assertThat(plan.generations().stream().mapToLong(g -> topics.count(Topics.JOBS, g.jobId())).sum())
                .isEqualTo(jobsBefore);
    }

    private static JsonNode summaryRun(String key) {
        try {
            return Json.mapper().readTree(store.get(key)).get("run");
        } catch (Exception e) {
            return null;
        }
    }

    private static JobMessage jobOf(String jobId) {
        String value = topics.await(r -> r.topic().equals(Topics.JOBS) && jobId.equals(r.key())).value();
        return JobMessage.read(value.getBytes(StandardCharsets.UTF_8));
    }

    private static List<JsonNode> lines(byte[] jsonl) {
        return new String(jsonl, StandardCharsets.UTF_8).lines().map(l -> {
            try {
                return Json.mapper().readTree(l);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + l, e);
            }
        }).toList();
    }
}
