package io.dreamid.face.messaging;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.messages.IdentityScore;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Each image of a bestOf job becomes its nearest candidate; without any face, its first; other images stay as they are. */
class BestOfTest {
    private static final String JOB = "job-best";

    @Test
    void theNearestFaceIsChosenForEachImage() {
        Map<String, IdentityScore> scores = new LinkedHashMap<>();
        scores.put(ObjectKeys.candidate(JOB, 0, 0, 0), score(0.7));
        scores.put(ObjectKeys.candidate(JOB, 0, 0, 1), IdentityScore.noFace());
        scores.put(ObjectKeys.candidate(JOB, 0, 0, 2), score(0.35));
        scores.put(ObjectKeys.candidate(JOB, 0, 0, 3), score(0.35));
        scores.put(ObjectKeys.candidate(JOB, 1, 0, 0), score(0.2));
        scores.put(ObjectKeys.candidate(JOB, 1, 0, 1), score(0.5));

        Map<String, IdentityScore> judged = BestOf.choose(scores);

        assertThat(judged.keySet()).containsExactlyElementsOf(scores.keySet());
        assertThat(judged.values()).extracting(IdentityScore::chosen)
                .containsExactly(false, false, true, false, true, false);
        assertThat(judged.get(ObjectKeys.candidate(JOB, 0, 0, 2)).distance()).isEqualTo(0.35);
    }

    /**
     * A job of several people: a candidate is as good as its worst person (the image-level fields), so one that
     * lost a person's face loses to one that keeps both, even when its other person is nearer.
     */
    @Test
    void forSeveralPeopleTheCandidateWhoseWorstPersonIsNearestIsChosen() {
        Map<String, IdentityScore> scores = new LinkedHashMap<>();
        scores.put(ObjectKeys.candidate(JOB, 0, 0, 0), IdentityScore.worstOf(Map.of("ada", score(0.1), "grace",
                IdentityScore.noFace())));
        scores.put(ObjectKeys.candidate(JOB, 0, 0, 1), IdentityScore.worstOf(Map.of("ada", score(0.3), "grace",
                score(0.5))));
        scores.put(ObjectKeys.candidate(JOB, 0, 0, 2), IdentityScore.worstOf(Map.of("ada", score(0.45), "grace",
                score(0.4))));

        Map<String, IdentityScore> judged = BestOf.choose(scores);

        assertThat(judged.values()).extracting(IdentityScore::chosen).containsExactly(false, false, true);
        assertThat(judged.get(ObjectKeys.candidate(JOB, 0, 0, 2)).people()).containsOnlyKeys("ada", "grace");
    }

    @Test
    void withoutAFaceTheFirstCandidateIsChosen() {
        Map<String, IdentityScore> scores = new LinkedHashMap<>();
        scores.put(ObjectKeys.candidate(JOB, 0, 1, 1), IdentityScore.noFace());
        scores.put(ObjectKeys.candidate(JOB, 0, 1, 0), IdentityScore.noFace());

        assertThat(BestOf.choose(scores)).containsEntry(ObjectKeys.candidate(JOB, 0, 1, 0),
                IdentityScore.noFace().asCandidate(true)).containsEntry(ObjectKeys.candidate(JOB, 0, 1, 1),
                IdentityScore.noFace().asCandidate(false));
    }

    @Test
    void imagesWithoutCandidatesAreNotChoices() {
        Map<String, IdentityScore> scores = Map.of(ObjectKeys.output(JOB, 0, 0), score(0.4));

        assertThat(BestOf.choose(scores)).isEqualTo(scores);
    }

    private static IdentityScore score(double distance) {
        return new IdentityScore(true, distance, Math.max(0, 1 - distance / 1.2), distance < 0.6);
    }
}
