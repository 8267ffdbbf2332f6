package io.dreamid.stage;

import io.dreamid.common.json.Json;
import io.dreamid.common.messages.CancelRequest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** Records of the compacted cancellations topic: requests cancel, tombstones withdraw, old requests are forgotten. */
class CancellationsTest {
    private static final Instant AT = Instant.parse("2026-11-26T16:00:00Z");

    @Test
    void aRequestCancelsItsJobAndATombstoneWithdrawsIt() {
        Cancellations jobs = new Cancellations(Duration.ofDays(7));
        jobs.apply("j1", Json.toString(CancelRequest.of("j1", "t", AT)), AT);
        assertThat(jobs.isCancelled("j1")).isTrue();
        assertThat(jobs.isCancelled("j2")).isFalse();

        jobs.apply("j1", null, AT);
        assertThat(jobs.isCancelled("j1")).isFalse();
    }

    @Test
    void aRequestWithoutAJobIdCancelsTheRecordKeyAndGarbageChangesNothing() {
        Cancellations jobs = new Cancellations(Duration.ofDays(7));
        jobs.apply("j3", "{\"schemaVersion\":1,\"tenant\":\"t\"}", AT);
        jobs.apply("j4", "not json", AT);
        assertThat(jobs.isCancelled("j3")).isTrue();
        assertThat(jobs.isCancelled("j4")).isFalse();
        assertThat(jobs.size()).isEqualTo(1);
    }

    @Test
    void requestsOlderThanTheRetentionAreForgottenAndReturnedForTombstones() {
        Cancellations jobs = new Cancellations(Duration.ofDays(7));
        jobs.apply("old", Json.toString(CancelRequest.of("old", "t", AT)), AT);
        jobs.apply("new", Json.toString(CancelRequest.of("new", "t", AT.plus(Duration.ofDays(6)))), AT);

        assertThat(jobs.expire(AT.plus(Duration.ofDays(7)).plusSeconds(1))).containsExactly("old");
        assertThat(jobs.isCancelled("old")).isFalse();
        assertThat(jobs.isCancelled("new")).isTrue();
        assertThat(jobs.size()).isEqualTo(1);
    }
}
