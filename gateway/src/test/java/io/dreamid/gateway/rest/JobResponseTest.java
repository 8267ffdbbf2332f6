package io.dreamid.gateway.rest;

import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.SchemaVersions;
import io.dreamid.common.messages.Stage;
import io.dreamid.gateway.state.JobView;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A job as the API shows it: image links named by prompt and image, the stages' notices, timings as durations. */
class JobResponseTest {
    private static final String JOB = "job-7";
    private static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");
    private static final JobSpec SPEC = new JobSpec(List.of("{id} as a chef", "{id} at sea"), null, 2, 20, 7.5, 5L,
            512, 512, null, null);

    @Test
    void theNoticesOfTheStagesAreShownOnceAndTheTimingsAreOnlyDurations() {
        String tiny = "These images come from the built-in tiny test model: noise by design.";
        JobResponse response = JobResponse.of(succeeded(Map.of("denoise", 80L), List.of(tiny, tiny)));

        assertThat(response.notices()).containsExactly(tiny);
        assertThat(response.timings()).containsExactly(Map.entry("diffusion.denoise", 80L));
        assertThat(response.images()).extracting(JobResponse.ImageLink::url)
                .containsExactly("/v1/jobs/job-7/images/0", "/v1/jobs/job-7/images/1", "/v1/jobs/job-7/images/2");
        assertThat(response.images()).extracting(JobResponse.ImageLink::prompt).containsExactly(0, 0, 1);
        assertThat(response.images()).extracting(JobResponse.ImageLink::image).containsExactly(0, 1, 0);
    }

    @Test
    void eventsWithoutNoticesGiveNone() {
        assertThat(JobResponse.of(succeeded(Map.of("diffusion.denoise", 80L), null)).notices()).isEmpty();
    }

    private static JobView succeeded(Map<String, Long> timings, List<String> notices) {
        JobEvent accepted = new JobEvent(SchemaVersions.CURRENT,
                JobEvent.eventIdFor(JOB, Stage.GATEWAY, JobStatus.ACCEPTED, null), JOB, "t", Stage.GATEWAY,
                JobStatus.ACCEPTED, 0.0, Map.of(), null, List.of(), null, SPEC, T0);
        JobEvent done = new JobEvent(SchemaVersions.CURRENT,
                JobEvent.eventIdFor(JOB, Stage.DIFFUSION, JobStatus.SUCCEEDED, null), JOB, "t", Stage.DIFFUSION,
                JobStatus.SUCCEEDED, 1.0, timings, null,
                List.of("outputs/job-7/0-0.png", "outputs/job-7/0-1.png", "outputs/job-7/1-0.png"), "id-1", null,
                T0.plusSeconds(9), notices);
        return JobView.empty(JOB).apply(accepted).apply(done);
    }
}
