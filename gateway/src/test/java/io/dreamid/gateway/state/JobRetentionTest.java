package io.dreamid.gateway.state;

import io.dreamid.common.json.Json;
import io.dreamid.common.messages.ErrorInfo;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.SchemaVersions;
import io.dreamid.common.messages.Stage;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Finished jobs leave the job state once their retention has passed, on the fold's wall-clock sweep: the fold store,
 * the state topic (a tombstone) and the global store every replica reads. Runs the real topology in Kafka Streams'
 * test driver, whose wall clock the test moves.
 */
class JobRetentionTest {
    private static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");
    private static final Duration KEEP = Duration.ofDays(7);
    private static final Duration SWEEP = Duration.ofMinutes(10);
    private static final JobSpec SPEC = new JobSpec(List.of("{id} as a chef"), null, 1, 20, 7.5, 5L, 512, 512, null,
            null);

    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> events;
    private TestOutputTopic<String, byte[]> state;
    private final List<JobView> changes = new ArrayList<>();

    @BeforeEach
    void start(@TempDir Path stateDir) {
        JobStateTopology topology = new JobStateTopology("jobs", "events", "state",
                new JobStateTopology.Retention(KEEP, SWEEP), changes::add, view -> {
                });
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "retention-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(topology.build(), props, T0);
        events = driver.createInputTopic("events", new StringSerializer(), new ByteArraySerializer());
        state = driver.createOutputTopic("state", new StringDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void aFinishedJobIsRemovedOnceItsRetentionHasPassedAndOthersStay() {
        // Finished a minute after T0.
        emit(accepted("done", T0), finished("done", JobStatus.SUCCEEDED, T0.plusSeconds(60)));
        // Still running: never finished, so kept however old.
        emit(accepted("running", T0), event("running", Stage.DIFFUSION, JobStatus.GENERATING, 0.5, "step-3",
                T0.plusSeconds(60)));
        // Failed six days later: not yet past its retention when the first one is.
        emit(accepted("failed", T0.plus(Duration.ofDays(6))),
                finished("failed", JobStatus.FAILED, T0.plus(Duration.ofDays(6))));
        state.readKeyValuesToList();

        driver.advanceWallClockTime(KEEP.minus(SWEEP));
        assertThat(state.readKeyValuesToList()).as("nothing is due before seven days").isEmpty();
        assertThat(views().get("done")).isNotNull();

        driver.advanceWallClockTime(SWEEP.plus(SWEEP)); // T0 + 7 days + 10 min: "done" last changed at T0 + 1 min
        assertThat(state.readKeyValuesToList()).containsExactly(KeyValue.pair("done", null));
        assertThat(foldStore().get("done")).isNull();
        assertThat(views().get("done")).as("every replica's global store").isNull();
        assertThat(changes.get(changes.size() - 1)).as("listeners hear of the removal")
                .isEqualTo(JobView.empty("done"));
        assertThat(views().get("running").status()).isEqualTo(JobStatus.GENERATING);
        assertThat(views().get("failed").status()).isEqualTo(JobStatus.FAILED);

        driver.advanceWallClockTime(Duration.ofDays(6));
        assertThat(state.readKeyValuesToList()).containsExactly(KeyValue.pair("failed", null));
        assertThat(views().get("running")).isNotNull();
    }

    @Test
    void retentionCountsFromWhenTheJobFinishedNotFromWhenItStarted() {
        // A long job: accepted at T0, cancelled three days later.
        emit(accepted("long", T0), event("long", Stage.DIFFUSION, JobStatus.GENERATING, 0.5, "step-9",
                T0.plus(Duration.ofDays(1))), finished("long", JobStatus.CANCELLED, T0.plus(Duration.ofDays(3))));

        driver.advanceWallClockTime(KEEP.plus(SWEEP));
        assertThat(views().get("long")).as("seven days after it started").isNotNull();
        driver.advanceWallClockTime(Duration.ofDays(3));
        assertThat(views().get("long")).as("seven days after it ended").isNull();
    }

    private void emit(JobEvent... list) {
        for (JobEvent e : list) {
            events.pipeInput(e.jobId(), Json.toBytes(e), e.at());
        }
    }

    private KeyValueStore<String, JobView> views() {
        return driver.getKeyValueStore(JobStateTopology.VIEW_STORE);
    }

    private KeyValueStore<String, JobView> foldStore() {
        return driver.getKeyValueStore(JobStateTopology.FOLD_STORE);
    }

    private static JobEvent accepted(String job, Instant at) {
        return new JobEvent(SchemaVersions.CURRENT, JobEvent.eventIdFor(job, Stage.GATEWAY, JobStatus.ACCEPTED, null),
                job, "t", Stage.GATEWAY, JobStatus.ACCEPTED, 0.0, Map.of(), null, List.of(), null, SPEC, at);
    }

    private static JobEvent event(String job, Stage stage, JobStatus status, double progress, String step,
            Instant at) {
        return new JobEvent(SchemaVersions.CURRENT, JobEvent.eventIdFor(job, stage, status, step), job, "t", stage,
                status, progress, Map.of(stage.name().toLowerCase() + ".x", 1L), null, List.of(), null, null, at);
    }

    private static JobEvent finished(String job, JobStatus status, Instant at) {
        return switch (status) {
            case SUCCEEDED -> new JobEvent(SchemaVersions.CURRENT,
                    JobEvent.eventIdFor(job, Stage.DIFFUSION, JobStatus.SUCCEEDED, null), job, "t", Stage.DIFFUSION,
                    JobStatus.SUCCEEDED, 1.0, Map.of(), null, List.of("outputs/" + job + "/0-0.png"), null, null, at);
            case FAILED -> JobEvent.failed(job, "t", Stage.DIFFUSION, ErrorInfo.of("MODEL_ERROR", "boom"), Map.of(),
                    at);
            default -> JobEvent.status(job, "t", Stage.GATEWAY, status, 0.2, at);
        };
    }
}
