package io.dreamid.stage;

import io.dreamid.common.messages.JobEvent;

/**
 * What a handler's work on one job produced, sent by the runtime (each send retried until the broker has it)
 * before the record is committed.
 */
public final class Outcome {
    private static final Outcome NOTHING = new Outcome(null, null);

    private final Object handOn;
    private final JobEvent event;

    private Outcome(Object handOn, JobEvent event) {
        this.handOn = handOn;
        this.event = event;
    }

    /**
     * The job goes on to the next stage: {@code message} to the stage's hand-on topic
     * ({@code dreamid.stage.hand-on-topic}) and the event that reports it, sent together.
     */
    public static Outcome handOn(Object message, JobEvent event) {
        if (message == null || event == null) {
            throw new IllegalArgumentException("a hand-on needs a message and an event");
        }
        return new Outcome(message, event);
    }

    /** The job's work here ends with this event (SUCCEEDED, CANCELLED, FAILED, or a last progress report). */
    public static Outcome event(JobEvent event) {
        if (event == null) {
            throw new IllegalArgumentException("an outcome event may not be null");
        }
        return new Outcome(null, event);
    }

    /** Nothing to send (the job is not this stage's, or another instance already finished it). */
    public static Outcome nothing() {
        return NOTHING;
    }

    Object handOnMessage() {
        return handOn;
    }

    JobEvent eventToSend() {
        return event;
    }
}
