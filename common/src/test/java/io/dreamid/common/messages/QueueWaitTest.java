package io.dreamid.common.messages;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class QueueWaitTest {
    private static final Instant NOW = Instant.parse("2026-11-26T12:00:00.250Z");

    @Test
    void isTheTimeFromTheRecordsTimestampToNow() {
        assertThat(QueueWait.millis(Instant.parse("2026-11-26T12:00:00.200Z"), NOW)).isEqualTo(50L);
    }

    @Test
    void aProducerClockAheadOfOursCountsAsNoWait() {
        assertThat(QueueWait.millis(NOW.plusMillis(3), NOW)).isZero();
    }

    @Test
    void aRecordWithoutATimestampHasNoWait() {
        // Kafka's "no timestamp" is -1; SmallRye turns it into an Instant before the epoch.
        assertThat(QueueWait.millis(null, NOW)).isNull();
        assertThat(QueueWait.millis(Instant.ofEpochMilli(-1), NOW)).isNull();
    }
}
