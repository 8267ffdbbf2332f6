package io.dreamid.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How Chaos counts the UNet evaluations spent again, on event sequences the diffusion stage sends for a job of 2
 * images of 6 steps (12 evaluations): the expected counts are worked out by hand from what each delivery ran.
 */
class ChaosAccountingTest {
    private static final long PER_JOB = 12;

    @Test
    void aJobRunOnceSpendsNothingAgain() {
        assertThat(Chaos.stepsSpentAgain(Map.of("j", delivery(1, 11, null, 0)), PER_JOB)).isZero();
    }

    @Test
    void aDeliveryKilledInTheSecondImageSpendsItsStepsOfThatImageAgain() {
        // Killed after step 9: image 1 (steps 1-6) was stored, steps 7-9 of image 2 are lost. The redelivery keeps
        // image 1 and runs steps 7-12.
        List<JsonNode> events = delivery(1, 9, null, 0);
        events.addAll(delivery(7, 11, 1, 2));
        assertThat(Chaos.stepsSpentAgain(Map.of("j", events), PER_JOB)).isEqualTo(3);
    }

    @Test
    void aDeliveryKilledInTheFirstImageWithoutKeepingAnythingSpendsWhatItRan() {
        List<JsonNode> events = delivery(1, 4, null, 0);
        events.addAll(delivery(1, 11, 0, 2));
        assertThat(Chaos.stepsSpentAgain(Map.of("j", events), PER_JOB)).isEqualTo(4);
    }

    @Test
    void aRedeliveryAfterSuccessKeepsEveryImageAndSpendsNothing() {
        List<JsonNode> events = delivery(1, 11, 0, 2);
        events.addAll(delivery(-1, -1, 2, 2));
        assertThat(Chaos.stepsSpentAgain(Map.of("j", events), PER_JOB)).isZero();
    }

    @Test
    void jobsAddUp() {
        List<JsonNode> first = delivery(1, 9, null, 0);
        first.addAll(delivery(7, 11, 1, 2));
        List<JsonNode> second = delivery(1, 2, null, 0);
        second.addAll(delivery(-1, -1, null, 0)); // killed again before its first step
        second.addAll(delivery(1, 11, 0, 2));
        assertThat(Chaos.stepsSpentAgain(Map.of("a", first, "b", second), PER_JOB)).isEqualTo(3 + 2);
    }

    /**
     * One delivery's events: the start report, steps {@code from..to} (none when from is -1), and SUCCEEDED with
     * {@code reused} images kept when reused is not null (else the delivery was killed).
     */
    private static List<JsonNode> delivery(int from, int to, Integer reused, int images) {
        List<JsonNode> events = new ArrayList<>();
        events.add(event("j:diffusion:generating", "GENERATING", ""));
        for (int s = from; s >= 0 && s <= to; s++) {
            events.add(event("j:diffusion:generating:step-" + s, "GENERATING", ""));
        }
        if (reused != null) {
            events.add(event("j:diffusion:succeeded", "SUCCEEDED", ",\"timings\":{\"diffusion.images_reused\":"
                    + reused + "},\"outputs\":" + outputs(images)));
        }
        return events;
    }

    private static String outputs(int images) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            keys.add("\"outputs/j/0-" + i + ".png\"");
        }
        return "[" + String.join(",", keys) + "]";
    }

    private static JsonNode event(String id, String status, String more) {
        return GatewayApi.json("{\"eventId\":\"" + id + "\",\"stage\":\"DIFFUSION\",\"status\":\"" + status + "\""
                + more + "}");
    }
}
