package io.dreamid.stage;

import io.dreamid.common.messages.ErrorInfo;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.Stage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The jobs a stage ends are counted by status and error code; progress is not. */
class JobOutcomesTest {

    @Test
    void countsEndedJobsByStatusAndCode() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        JobOutcomes outcomes = new JobOutcomes(registry);

        outcomes.record(Stage.FACE, JobEvent.failed("j1", "acme", Stage.FACE, ErrorInfo.of("NO_FACE", "none"),
                Map.of(), Instant.now()));
        outcomes.record(Stage.FACE, JobEvent.failed("j2", "acme", Stage.FACE, ErrorInfo.of("NO_FACE", "none"),
                Map.of(), Instant.now()));
        outcomes.record(Stage.DIFFUSION, JobEvent.failed("j3", "acme", Stage.DIFFUSION,
                ErrorInfo.of("STORAGE_ERROR", "down"), Map.of(), Instant.now()));
        outcomes.record(Stage.FACE, JobEvent.running("j4", "acme", Stage.FACE, JobStatus.DETECTING, null, 0.1));

        assertThat(registry.counter(JobOutcomes.METRIC, "stage", "face", "status", "FAILED", "code", "NO_FACE")
                .count()).isEqualTo(2.0);
        assertThat(registry.counter(JobOutcomes.METRIC, "stage", "diffusion", "status", "FAILED", "code",
                "STORAGE_ERROR").count()).isEqualTo(1.0);
        assertThat(registry.find(JobOutcomes.METRIC).counters()).hasSize(2);
    }
}
