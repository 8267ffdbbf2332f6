package io.dreamid.stage;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Records finish out of order; the commit never passes a record still in work, nor one abandoned at shutdown. */
class PartitionOffsetsTest {

    @Test
    void theCommitStopsAtTheLowestRecordInWork() {
        PartitionOffsets p = new PartitionOffsets();
        p.taken(10);
        p.taken(11);
        p.taken(12);
        p.done(11);
        p.done(12);
        assertThat(p.toCommit()).as("10 is still in work").isEqualTo(10);
        p.committed(10);
        assertThat(p.toCommit()).isEqualTo(-1);
        p.done(10);
        assertThat(p.toCommit()).isEqualTo(13);
        p.committed(13);
        assertThat(p.toCommit()).isEqualTo(-1);
    }

    @Test
    void anAbandonedRecordHoldsTheCommitBackForRedelivery() {
        PartitionOffsets p = new PartitionOffsets();
        p.taken(5);
        p.done(5);
        p.taken(6);
        p.taken(7);
        p.done(7);
        assertThat(p.toCommit()).isEqualTo(6);
        assertThat(p.inWork()).isEqualTo(1);
    }
}
