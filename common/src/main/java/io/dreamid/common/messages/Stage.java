package io.dreamid.common.messages;

/** The service that emitted an event; also the key of its entry in a job's timings. */
public enum Stage {
    GATEWAY,
    FACE,
    ENCODER,
    DIFFUSION,
    /** The identity judge (face-service): scores each output image against the job's input face. */
    JUDGE,
    /**
     * The dataset builder (face-service): fans out a dataset build's text-only jobs, follows them and filters the
     * images into a self-augmented editability dataset.
     */
    DATASET;
}
