package io.dreamid.stage;

/**
 * The service is stopping: the work on the job was abandoned where it stood. The runtime sends nothing and leaves
 * the record uncommitted, so the job is redelivered (to another instance, or this one after its restart).
 */
public class StageStoppedException extends RuntimeException {
    public StageStoppedException(String message) {
        super(message);
    }
}
