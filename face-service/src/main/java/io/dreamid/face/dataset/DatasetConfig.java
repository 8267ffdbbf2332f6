package io.dreamid.face.dataset;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** The dataset builder of the face-service ({@code dreamid.dataset.*}); its input is {@code dreamid.stage.inputs.datasets.*}. */
@ConfigMapping(prefix = "dreamid.dataset")
public interface DatasetConfig {
    /** Where a build's generation jobs go: the jobs topic every job takes. */
    @WithDefault("dreamid.jobs")
    String jobsTopic();

    /**
     * How far before a build's creation time its follower starts reading the job events (clock skew between the
     * gateway and the producers of events); every event of the build's jobs comes after its creation.
     */
    @WithDefault("1m")
    Duration eventsLookback();

    /** How long one poll of the job events waits; also how often a build checks for cancellation and shutdown. */
    @WithDefault("200ms")
    Duration pollTimeout();
}
