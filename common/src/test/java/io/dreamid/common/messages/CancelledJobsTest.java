package io.dreamid.common.messages;

import io.dreamid.common.json.Json;
import io.dreamid.common.json.MalformedMessageException;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Records of the compacted cancellations topic: requests cancel, tombstones withdraw, garbage changes nothing. */
class CancelledJobsTest {
    private static final Instant AT = Instant.parse("2026-11-26T16:00:00Z");

    @Test
    void aRequestCancelsItsJobAndATombstoneWithdrawsIt() {
        CancelledJobs jobs = new CancelledJobs();
        jobs.apply("j1", Json.toString(CancelRequest.of("j1", "t", AT)));
        assertThat(jobs.isCancelled("j1")).isTrue();
        assertThat(jobs.isCancelled("j2")).isFalse();

        jobs.apply("j1", null);
        assertThat(jobs.isCancelled("j1")).isFalse();
    }

    @Test
    void aRequestWithoutAJobIdCancelsTheRecordKey() {
        CancelledJobs jobs = new CancelledJobs();
        jobs.apply("j3", "{\"schemaVersion\":1,\"tenant\":\"t\"}");
        assertThat(jobs.isCancelled("j3")).isTrue();
    }

    @Test
    void anUnreadableRecordIsRefusedAndChangesNothing() {
        CancelledJobs jobs = new CancelledJobs();
        assertThatThrownBy(() -> jobs.apply("j4", "not json")).isInstanceOf(MalformedMessageException.class);
        assertThat(jobs.isCancelled("j4")).isFalse();
        assertThat(jobs.isCancelled(null)).isFalse();
    }
}
