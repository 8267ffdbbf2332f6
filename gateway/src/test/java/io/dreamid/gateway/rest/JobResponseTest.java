package io.dreamid.gateway.rest;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.messages.IdentityScore;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.SchemaVersions;
import io.dreamid.common.messages.Stage;
import io.dreamid.gateway.state.JobView;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.LinkedHashMap;
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
    void aBestOfJobShowsTheFirstCandidateUntilTheJudgeChoosesThenTheChosenOneWithTheOthersAsCandidates() {
        List<String> candidates = List.of(ObjectKeys.candidate(JOB, 0, 0, 0), ObjectKeys.candidate(JOB, 0, 0, 1),
                ObjectKeys.candidate(JOB, 0, 0, 2), ObjectKeys.candidate(JOB, 0, 1, 0),
                ObjectKeys.candidate(JOB, 0, 1, 1), ObjectKeys.candidate(JOB, 0, 1, 2));
        JobView generated = JobView.empty(JOB).apply(JobEvent.succeeded(JOB, "t", Stage.DIFFUSION, candidates));

        JobResponse before = JobResponse.of(generated);
        assertThat(before.images()).extracting(JobResponse.ImageLink::index).containsExactly(0, 3);
        assertThat(before.images()).extracting(JobResponse.ImageLink::candidate).containsExactly(0, 0);
        assertThat(before.images().get(1).candidates()).extracting(JobResponse.CandidateLink::url)
                .containsExactly("/v1/jobs/job-7/images/4", "/v1/jobs/job-7/images/5");

        IdentityScore far = new IdentityScore(true, 0.7, 0.42, false);
        IdentityScore near = new IdentityScore(true, 0.3, 0.75, true);
        Map<String, IdentityScore> scores = new LinkedHashMap<>();
        scores.put(candidates.get(0), far.asCandidate(false));
        scores.put(candidates.get(1), IdentityScore.noFace().asCandidate(false));
        scores.put(candidates.get(2), near.asCandidate(true));
        for (int n = 3; n < 6; n++) {
            scores.put(candidates.get(n), IdentityScore.noFace().asCandidate(n == 3));
        }
        JobResponse after = JobResponse.of(generated.apply(JobEvent.succeeded(JOB, "t", Stage.JUDGE, candidates)
                .withIdentityScores(scores)));

        JobResponse.ImageLink first = after.images().get(0);
        assertThat(first.url()).isEqualTo("/v1/jobs/job-7/images/2");
        assertThat(first.candidate()).isEqualTo(2);
        assertThat(first.identity().distance()).isEqualTo(0.3);
        assertThat(first.candidates()).extracting(JobResponse.CandidateLink::candidate).containsExactly(0, 1);
        assertThat(first.candidates()).extracting(c -> c.identity().faceFound()).containsExactly(true, false);
        assertThat(after.images().get(1).index()).isEqualTo(3);
        assertThat(after.images().get(1).identity().faceFound()).isFalse();
        assertThat(JobResponse.of(succeeded(Map.of(), null)).images()).allMatch(i -> i.candidates() == null);
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
