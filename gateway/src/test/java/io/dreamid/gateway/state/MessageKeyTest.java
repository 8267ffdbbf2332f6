package io.dreamid.gateway.state;

import io.dreamid.common.json.Json;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.JobMessage;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.Stage;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Records are keyed by jobId. One produced by another system with a different key is run by the services under its
 * jobId; the fold must not also show it under the key, as a second job that would stay ACCEPTED for ever.
 */
class MessageKeyTest {
    private static final JobSpec SPEC = new JobSpec(List.of("a photo of {id}"), null, null, null, null, null, null,
            null, null, null);

    @Test
    void aJobMessageIsFoldedOnlyUnderItsOwnJobId() {
        byte[] job = bytes(Json.toString(JobMessage.of("job-1", "tenant-a", Instant.now(), "inputs/job-1/photo.jpg",
                null, SPEC)));

        assertThat(JobStateTopology.acceptedOf("job-1", job)).singleElement()
                .satisfies(in -> assertThat(in.event().jobId()).isEqualTo("job-1"));
        assertThat(JobStateTopology.acceptedOf("some-other-key", job)).isEmpty();
    }

    @Test
    void anEventIsFoldedOnlyUnderItsOwnJobId() {
        byte[] event = bytes(Json.toString(JobEvent.status("job-2", "tenant-a", Stage.FACE, JobStatus.DETECTING, 0.05,
                Instant.now())));

        assertThat(JobStateTopology.eventOf("job-2", event)).hasSize(1);
        assertThat(JobStateTopology.eventOf("job-2-typo", event)).isEmpty();
    }

    private static byte[] bytes(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
