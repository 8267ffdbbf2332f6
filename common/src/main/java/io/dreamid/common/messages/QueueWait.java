package io.dreamid.common.messages;

import java.time.Instant;

/**
 * The {@code <stage>.wait} timing every stage reports: milliseconds from its input record's timestamp (when the
 * producer sent it) to the stage taking the job. It is the time in the topic and the consumer, which more workers
 * would cut. Producer and consumer clocks may differ by a little; a negative difference counts as 0.
 */
public final class QueueWait {
    private QueueWait() {
    }

    /** Milliseconds from {@code sentAt} to {@code now}, or null when the record carried no timestamp. */
    public static Long millis(Instant sentAt, Instant now) {
        if (sentAt == null || sentAt.toEpochMilli() <= 0) {
            return null;
        }
        return Math.max(0, now.toEpochMilli() - sentAt.toEpochMilli());
    }
}
