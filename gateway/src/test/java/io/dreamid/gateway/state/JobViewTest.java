package io.dreamid.gateway.state;

import com.fasterxml.jackson.databind.JsonNode;
import io.dreamid.common.json.Json;
import io.dreamid.common.messages.ErrorInfo;
import io.dreamid.common.messages.IdentityScore;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.SchemaVersions;
import io.dreamid.common.messages.Stage;
import io.dreamid.gateway.rest.JobResponse;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The fold of CONVENTIONS.md "Job state": duplicates, reordering and terminal stickiness. */
class JobViewTest {
    private static final String JOB = "job-1";
    private static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");
    private static final JobSpec SPEC = new JobSpec(List.of("{id} as a chef"), null, 1, 20, 7.5, 5L, 512, 512, null,
            null);

    @Test
    void aJobMovesThroughItsStagesAndCollectsTimingsAndOutputs() {
        JobView view = fold(accepted(), running(Stage.FACE, JobStatus.DETECTING, 0.1, null, 1, Map.of("detect", 12L)),
                running(Stage.ENCODER, JobStatus.ENCODING, 0.3, null, 2, Map.of("encoder.backbone", 30L)),
                running(Stage.DIFFUSION, JobStatus.GENERATING, 0.5, "step-1", 3, Map.of()),
                succeeded(4, List.of("outputs/job-1/0-0.png")));

        assertThat(view.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(view.stage()).isEqualTo(Stage.DIFFUSION);
        assertThat(view.progress()).isEqualTo(1.0);
        assertThat(view.timings()).containsEntry("face.detect", 12L).containsEntry("encoder.backbone", 30L);
        assertThat(view.outputs()).containsExactly("outputs/job-1/0-0.png");
        assertThat(view.tenant()).isEqualTo("t");
        assertThat(view.spec()).isEqualTo(SPEC);
        assertThat(view.createdAt()).isEqualTo(T0);
        assertThat(view.updatedAt()).isEqualTo(T0.plusSeconds(4));
    }

    @Test
    void aDuplicateEventChangesNothing() {
        JobEvent generating = running(Stage.DIFFUSION, JobStatus.GENERATING, 0.5, "step-1", 3, Map.of());
        JobView once = fold(accepted(), generating);
        JobEvent sameIdMoreProgress = running(Stage.DIFFUSION, JobStatus.GENERATING, 0.9, "step-1", 5,
                Map.of("denoise", 1L));

        assertThat(once.apply(generating)).isSameAs(once);
        assertThat(once.apply(sameIdMoreProgress)).isSameAs(once);
    }

    @Test
    void everyViewTheFoldWritesIsNewerThanTheOnesBefore() {
        // Including a late event that only adds timings: same status and progress, yet newer.
        List<JobEvent> events = List.of(accepted(),
                running(Stage.DIFFUSION, JobStatus.GENERATING, 0.6, "s6", 3, Map.of()),
                running(Stage.FACE, JobStatus.DETECTING, 0.1, null, 1, Map.of("detect", 9L)),
                succeeded(4, List.of("outputs/job-1/0-0.png")));
        List<JobView> views = new ArrayList<>();
        JobView view = JobView.empty(JOB);
        for (JobEvent event : events) {
            view = view.apply(event);
            views.add(view);
        }
        for (int i = 0; i < views.size(); i++) {
            for (int j = 0; j < views.size(); j++) {
                assertThat(views.get(i).isOlderFoldThan(views.get(j))).as("view %d older than view %d", i, j)
                        .isEqualTo(i < j);
            }
        }
        assertThat(views.get(1).isAtLeast(views.get(2))).as("status and progress alone cannot tell them apart")
                .isTrue();
        assertThat(views.get(3).isOlderFoldThan(views.get(3).apply(events.get(1)))).as("a duplicate").isFalse();
    }

    @Test
    void aLateLowerRankedEventOnlyAddsItsTimings() {
        JobView generating = fold(accepted(), running(Stage.DIFFUSION, JobStatus.GENERATING, 0.6, "s6", 3, Map.of()));
        JobView after = generating.apply(running(Stage.FACE, JobStatus.DETECTING, 0.1, null, 1, Map.of("detect", 9L)));

        assertThat(after.status()).isEqualTo(JobStatus.GENERATING);
        assertThat(after.stage()).isEqualTo(Stage.DIFFUSION);
        assertThat(after.progress()).isEqualTo(0.6);
        assertThat(after.updatedAt()).isEqualTo(generating.updatedAt());
        assertThat(after.timings()).containsEntry("face.detect", 9L);
    }

    @Test
    void progressNeverDecreasesWithinAStatus() {
        JobView view = fold(accepted(), running(Stage.DIFFUSION, JobStatus.GENERATING, 0.7, "s7", 3, Map.of()),
                running(Stage.DIFFUSION, JobStatus.GENERATING, 0.4, "s4", 4, Map.of()));
        assertThat(view.progress()).isEqualTo(0.7);
    }

    @Test
    void theFirstTerminalEventWins() {
        JobView failed = fold(accepted(), failed(3));
        JobView after = failed.apply(succeeded(4, List.of("outputs/job-1/0-0.png")))
                .apply(cancelled(5))
                .apply(running(Stage.DIFFUSION, JobStatus.GENERATING, 0.9, "s9", 6, Map.of()));

        assertThat(after.status()).isEqualTo(JobStatus.FAILED);
        assertThat(after.error()).isEqualTo(ErrorInfo.of("MODEL_ERROR", "boom"));
        assertThat(after.outputs()).isEmpty();
        assertThat(after.progress()).isEqualTo(failed.progress());
    }

    @Test
    void theJudgesLateScoresGoOntoTheFinishedJobsImagesWithoutChangingItsStatus() throws Exception {
        String first = "outputs/job-1/0-0.png";
        String second = "outputs/job-1/0-1.png";
        JobView done = fold(accepted(), succeeded(4, List.of(first, second)));
        IdentityScore near = new IdentityScore(true, 0.3, 0.75, true);
        JobEvent judged = JobEvent.succeeded(JOB, "t", Stage.JUDGE, List.of(first, second))
                .withTimings(Map.of("judge.score", 40L))
                .withIdentityScores(Map.of(first, near, second, IdentityScore.noFace()));

        JobView view = done.apply(judged);
        assertThat(view.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(view.stage()).isEqualTo(Stage.DIFFUSION);
        assertThat(view.outputs()).containsExactly(first, second);
        assertThat(view.updatedAt()).isEqualTo(done.updatedAt());
        assertThat(view.identityScores()).containsEntry(first, near).containsEntry(second, IdentityScore.noFace());
        assertThat(view.timings()).containsEntry("judge.score", 40L);
        assertThat(view.apply(judged)).isSameAs(view);
        JobView back = Json.mapper().readValue(Json.toBytes(view), JobView.class);
        assertThat(back.identityScores()).isEqualTo(view.identityScores());

        JobResponse response = JobResponse.of(view);
        assertThat(response.images()).extracting(JobResponse.ImageLink::identity)
                .containsExactly(near, IdentityScore.noFace());
        assertThat(JobResponse.of(done).images()).extracting(JobResponse.ImageLink::identity).containsOnlyNulls();
    }

    @Test
    void aSeveralPeopleJobsPerPersonScoresReachTheJobViewAndItsJson() throws Exception {
        String image = "outputs/job-1/0-0.png";
        JobView done = fold(accepted(), succeeded(4, List.of(image)));
        IdentityScore twoPeople = IdentityScore.worstOf(Map.of("ada", new IdentityScore(true, 0.3, 0.75, true),
                "grace", IdentityScore.noFace()));
        JobView view = done.apply(JobEvent.succeeded(JOB, "t", Stage.JUDGE, List.of(image))
                .withIdentityScores(Map.of(image, twoPeople)));

        JobView back = Json.mapper().readValue(Json.toBytes(view), JobView.class);
        assertThat(back.identityScores().get(image).people()).isEqualTo(twoPeople.people());
        JsonNode identity = Json.mapper().valueToTree(JobResponse.of(back)).at("/images/0/identity");
        assertThat(identity.get("faceFound").asBoolean()).as("the image speaks for its worst person").isFalse();
        assertThat(identity.at("/people/ada/distance").asDouble()).isEqualTo(0.3);
        assertThat(identity.at("/people/ada/samePerson").asBoolean()).isTrue();
        assertThat(identity.at("/people/grace/faceFound").asBoolean()).isFalse();
        assertThat(identity.at("/people/grace").has("distance")).isFalse();
        assertThat(Json.mapper().valueToTree(JobResponse.of(done.apply(JobEvent.succeeded(JOB, "t", Stage.JUDGE,
                List.of(image)).withIdentityScores(Map.of(image, new IdentityScore(true, 0.3, 0.75, true))))))
                .at("/images/0/identity").has("people")).as("a one-person job's score has no people").isFalse();
    }

    @Test
    void anEventBeforeTheJobMessageKeepsTheJobsMetadataWhenItArrives() {
        JobView view = fold(running(Stage.FACE, JobStatus.DETECTING, 0.1, null, 1, Map.of()), accepted());
        assertThat(view.status()).isEqualTo(JobStatus.DETECTING);
        assertThat(view.spec()).isEqualTo(SPEC);
        assertThat(view.createdAt()).isEqualTo(T0);
        assertThat(view.isKnown()).isTrue();
    }

    @Test
    void everyOrderOfTheSameEventsEndsInTheSameView() {
        List<JobEvent> events = new ArrayList<>(List.of(accepted(),
                running(Stage.FACE, JobStatus.DETECTING, 0.1, null, 1, Map.of("detect", 5L)),
                running(Stage.ENCODER, JobStatus.ENCODING, 0.3, null, 2, Map.of()),
                running(Stage.DIFFUSION, JobStatus.GENERATING, 0.5, "s1", 3, Map.of()),
                running(Stage.DIFFUSION, JobStatus.GENERATING, 0.8, "s2", 4, Map.of()),
                succeeded(5, List.of("outputs/job-1/0-0.png"))));
        JobView inOrder = fold(events.toArray(JobEvent[]::new));
        Random random = new Random(7);
        for (int i = 0; i < 50; i++) {
            List<JobEvent> shuffled = new ArrayList<>(events);
            Collections.shuffle(shuffled, random);
            shuffled.add(shuffled.get(random.nextInt(shuffled.size())));
            JobView view = fold(shuffled.toArray(JobEvent[]::new));
            assertThat(view.status()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(view.progress()).isEqualTo(1.0);
            assertThat(view.outputs()).isEqualTo(inOrder.outputs());
            assertThat(view.timings()).isEqualTo(inOrder.timings());
            assertThat(view.spec()).isEqualTo(SPEC);
            assertThat(view.createdAt()).isEqualTo(T0);
        }
    }

    @Test
    void aViewSurvivesItsJsonRoundTripIncludingTheSeenEventIds() throws Exception {
        JobView view = fold(accepted(), running(Stage.DIFFUSION, JobStatus.GENERATING, 0.5, "s1", 3, Map.of()));
        JobView back = Json.mapper().readValue(Json.toBytes(view), JobView.class);
        assertThat(back).isEqualTo(view);
        assertThat(back.apply(running(Stage.DIFFUSION, JobStatus.GENERATING, 0.5, "s1", 3, Map.of()))).isSameAs(back);
    }

    @Test
    void theSeenIdsAreBounded() {
        JobView view = fold(accepted());
        for (int i = 0; i < JobView.MAX_EVENT_IDS + 10; i++) {
            view = view.apply(running(Stage.DIFFUSION, JobStatus.GENERATING, 0.5, "s" + i, 3, Map.of()));
        }
        assertThat(view.eventIds()).hasSize(JobView.MAX_EVENT_IDS).doesNotContain(JOB + ":gateway:accepted");
    }

    private static JobView fold(JobEvent... events) {
        JobView view = JobView.empty(JOB);
        for (JobEvent event : events) {
            view = view.apply(event);
        }
        return view;
    }

    private static JobEvent accepted() {
        return new JobEvent(SchemaVersions.CURRENT, JobEvent.eventIdFor(JOB, Stage.GATEWAY, JobStatus.ACCEPTED, null),
                JOB, "t", Stage.GATEWAY, JobStatus.ACCEPTED, 0.0, Map.of(), null, List.of(), null, SPEC, T0);
    }

    private static JobEvent running(Stage stage, JobStatus status, double progress, String step, int second,
            Map<String, Long> timings) {
        return new JobEvent(SchemaVersions.CURRENT, JobEvent.eventIdFor(JOB, stage, status, step), JOB, "t", stage,
                status, progress, timings, null, List.of(), null, null, T0.plusSeconds(second));
    }

    private static JobEvent succeeded(int second, List<String> outputs) {
        return new JobEvent(SchemaVersions.CURRENT, JobEvent.eventIdFor(JOB, Stage.DIFFUSION, JobStatus.SUCCEEDED,
                null), JOB, "t", Stage.DIFFUSION, JobStatus.SUCCEEDED, 1.0, Map.of(), null, outputs, null, null,
                T0.plusSeconds(second));
    }

    private static JobEvent failed(int second) {
        return JobEvent.failed(JOB, "t", Stage.DIFFUSION, ErrorInfo.of("MODEL_ERROR", "boom"), Map.of(),
                T0.plusSeconds(second));
    }

    private static JobEvent cancelled(int second) {
        return JobEvent.status(JOB, "t", Stage.GATEWAY, JobStatus.CANCELLED, 0.2, T0.plusSeconds(second));
    }
}
