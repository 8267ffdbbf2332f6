package io.dreamid.stage;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** Configuration of the stage runtime, the same keys in every stage service. */
@ConfigMapping(prefix = "dreamid.stage")
public interface StageConfig {
    /**
     * The inputs of this service by name: the name a {@link StageHandler#input()} returns. Every handler's input
     * must be configured here with at least its topic.
     */
    Map<String, Input> inputs();

    /** Topic of the hand-on messages ({@link Outcome#handOn}); unset for a stage that hands nothing on. */
    Optional<String> handOnTopic();

    /** Topic of the job events. */
    @WithDefault("dreamid.job-events")
    String eventsTopic();

    /** The compacted topic of cancel requests; every instance reads all of it. */
    @WithDefault("dreamid.cancellations")
    String cancellationsTopic();

    /**
     * How long a cancel request is remembered: as long as the gateway keeps a finished job
     * ({@code dreamid.gateway.job-retention}). Older requests are forgotten and a tombstone is written for them.
     */
    @WithDefault("7d")
    Duration cancellationRetention();

    /** Retries through outages of object storage and the broker. */
    Retry retry();

    /**
     * How long stopping the service waits for the jobs in hand to end; work still running then (a generation that
     * did not reach its next step) is abandoned uncommitted and redelivered to another instance.
     */
    @WithDefault("30s")
    Duration shutdownGrace();

    /** One input topic of the stage. */
    interface Input {
        /** The topic to consume; its dead-letter topic is this name with {@code .dlq}. */
        String topic();

        /**
         * The consumer group; {@code dreamid-<stage>} when not set. Operators' lag-based autoscaling (KEDA, the
         * HPA's external metric) selects on it, so a service that is scaled on lag states it in its configuration.
         */
        Optional<String> group();

        /** Jobs of this input in work at once, each on a worker thread of its own. */
        @WithDefault("1")
        int workers();

        /**
         * Whether unreadable records go to the dead-letter topic (and their job, if the key names one, FAILED
         * MALFORMED_MESSAGE). False for an input that reads a topic another stage owns and dead-letters.
         */
        @WithDefault("true")
        boolean deadLetter();
    }

    /** Capped exponential backoff, and how long an outage of object storage may last before a job fails. */
    interface Retry {
        /** Wait after the first failed attempt; doubled after each further one. */
        @WithDefault("200ms")
        Duration initialBackoff();

        /** The longest wait between two attempts. */
        @WithDefault("5s")
        Duration maxBackoff();

        /**
         * How long object storage may keep failing before the job fails STORAGE_ERROR. The broker has no such
         * budget: without it no failure could be reported either, so the record is kept until it is back.
         */
        @WithDefault("5m")
        Duration outageBudget();

        /** How long one send waits for the broker's acknowledgement before it counts as a failed attempt. */
        @WithDefault("15s")
        Duration sendTimeout();
    }
}
