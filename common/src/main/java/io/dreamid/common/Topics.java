package io.dreamid.common;

import java.util.List;

/**
 * Default topic names of DESIGN.md and the layout of each topic. Services take their topic names from
 * configuration (these are the defaults there); tests, the local runner and the gateway create the topics from
 * {@link #platform}, the one list of them.
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
    /** Dataset builds to run (DatasetMessage), gateway to the dataset builder (face-service). */
    public static final String DATASETS = "dreamid.datasets";
    /** Suffix of each consumed topic's dead-letter topic, e.g. {@code dreamid.jobs.dlq}. */
    public static final String DEAD_LETTER_SUFFIX = ".dlq";

    /**
     * A topic and the layout it is created with.
     *
     * @param compacted whether the topic keeps the last record per key (cleanup.policy=compact) instead of
     *                  deleting by age
     */
    public record Spec(String name, int partitions, boolean compacted) {
        public Spec {
            if (name == null || name.isBlank() || partitions < 1) {
                throw new IllegalArgumentException("a topic needs a name and at least one partition, got " + name
                        + " with " + partitions);
            }
        }

        /** The same layout under another name, for a deployment that renames a topic. */
        public Spec named(String other) {
            return new Spec(other, partitions, compacted);
        }
    }

    /**
     * Every topic of the platform. The job topics get {@code partitions} (the number of instances a stage can
     * scale to); cancellations take one partition and are compacted, because every stage instance reads all of
     * them; the dead-letter topics take one, since only broken messages land there.
     */
    public static List<Spec> platform(int partitions) {
        return List.of(
                new Spec(JOBS, partitions, false),
                new Spec(FACES, partitions, false),
                new Spec(IDENTITIES, partitions, false),
                new Spec(JOB_EVENTS, partitions, false),
                new Spec(CANCELLATIONS, 1, true),
                new Spec(DATASETS, partitions, false),
                new Spec(deadLetter(JOBS), 1, false),
                new Spec(deadLetter(FACES), 1, false),
                new Spec(deadLetter(IDENTITIES), 1, false),
                new Spec(deadLetter(DATASETS), 1, false));
    }

    private Topics() {
    }

    public static String deadLetter(String topic) {
        return topic + DEAD_LETTER_SUFFIX;
    }
}
