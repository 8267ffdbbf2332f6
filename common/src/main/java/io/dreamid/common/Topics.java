package io.dreamid.common;

/**
 * Default topic names of DESIGN.md. Services take their topic names from configuration (these are the
 * defaults there); tests and tools reuse these constants.
 */
public final class Topics {
    /** Jobs to run (JobMessage), from the gateway or other systems. */
    public static final String JOBS = "dreamid.jobs";
    /** Aligned faces (FaceMessage), face-service to encoder-service. */
    public static final String FACES = "dreamid.faces";
    /** Encoded identities (IdentityMessage), encoder-service to diffusion-service. */
    public static final String IDENTITIES = "dreamid.identities";
    /** Every job change (JobEvent), every stage to the gateway. */
    public static final String JOB_EVENTS = "dreamid.job-events";
    /** Cancel requests (CancelRequest), compacted, gateway to every stage. */
    public static final String CANCELLATIONS = "dreamid.cancellations";
    /** Suffix of each consumed topic's dead-letter topic, e.g. {@code dreamid.jobs.dlq}. */
    public static final String DEAD_LETTER_SUFFIX = ".dlq";

    private Topics() {
    }

    public static String deadLetter(String topic) {
        return topic + DEAD_LETTER_SUFFIX;
    }
}
