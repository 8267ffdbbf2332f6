package io.dreamid.stage;

import java.util.TreeSet;

/**
 * The records of one partition in the hands of the workers, which finish out of order: the offset to commit is
 * the lowest one still in work (everything before it is done), or one past the highest done when none is.
 * A record abandoned at shutdown stays "in work", so nothing at or after it is committed.
 */
final class PartitionOffsets {
    private final TreeSet<Long> inWork = new TreeSet<>();
    private long highestDone = -1;
    private long committed = -1;

    void taken(long offset) {
        inWork.add(offset);
    }

    void done(long offset) {
        if (inWork.remove(offset)) {
            highestDone = Math.max(highestDone, offset);
        }
    }

    /** The offset to commit if it moved since the last {@link #committed}, else -1. */
    long toCommit() {
        long next = inWork.isEmpty() ? highestDone + 1 : inWork.first();
        return next > committed && next > 0 ? next : -1;
    }

    void committed(long offset) {
        committed = Math.max(committed, offset);
    }

    int inWork() {
        return inWork.size();
    }
}
