package io.dreamid.gateway.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** The gateway's settings. Topic names are in {@code mp.messaging.outgoing.*.topic}, except the state topic. */
@ConfigMapping(prefix = "dreamid.gateway")
public interface GatewayConfig {

    /**
     * API keys as comma-separated {@code tenant:sha256hex} entries, where the hex is the SHA-256 of the key a
     * client sends in {@code X-API-Key}. Only hashes are configured, never keys.
     */
    Optional<String> apiKeys();

    /**
     * A file with one {@code tenant:sha256hex} entry per line (blank lines and {@code #} comments allowed), e.g. a
     * mounted Kubernetes secret. Re-read when it changes, so keys can rotate without a restart.
     */
    Optional<String> apiKeysFile();

    /**
     * Base URL of the face-service, which {@code POST /v1/faces:compare} asks (the face models run there only):
     * {@code http://localhost:8091} for the local runner, {@code http://face-service:8091} in Kubernetes.
     */
    @WithDefault("http://localhost:8091")
    String faceServiceUrl();

    /** How long {@code POST /v1/faces:compare} waits for the face-service's answer. */
    @WithDefault("60s")
    Duration faceServiceTimeout();

    /** Largest photo accepted, in bytes (also the largest object a {@code photoRef} may name). */
    @WithDefault("20M")
    MemorySize maxImageBytes();

    /** Largest photo width in pixels (as displayed, after EXIF orientation). */
    @WithDefault("8192")
    int maxImageWidth();

    /** Largest photo height in pixels (as displayed, after EXIF orientation). */
    @WithDefault("8192")
    int maxImageHeight();

    /** Largest photo area in pixels; bounds the memory a decode takes. */
    @WithDefault("40000000")
    long maxImagePixels();

    /**
     * Photo bytes held in memory by submissions at once (a photo is read whole to check and store it); more waits,
     * see {@link #uploadWait()}. At least max-image-bytes.
     */
    @WithDefault("64M")
    MemorySize uploadMemory();

    /** How long a submission waits for room in upload-memory before it is refused with 503 and Retry-After. */
    @WithDefault("10s")
    Duration uploadWait();

    /** How long the broker may take to acknowledge a job before the submission fails with 503. */
    @WithDefault("10s")
    Duration publishTimeout();

    /** How long a presigned image link ({@code ?redirect=true}) stays valid. */
    @WithDefault("5m")
    Duration presignedUrlValidity();

    /** The compacted topic of folded job views; every replica reads it in full. */
    @WithDefault("dreamid.job-state")
    String jobStateTopic();

    /** Partitions of the topics the gateway creates when they are missing. */
    @WithDefault("3")
    int topicPartitions();

    /** Replication factor of the topics the gateway creates when they are missing. */
    @WithDefault("1")
    short topicReplicationFactor();

    /** Create the DreamID topics at start when they are missing, so that a fresh broker works. */
    @WithDefault("true")
    boolean createTopics();

    /** Largest {@code limit} of {@code GET /v1/jobs}. */
    @WithDefault("100")
    int maxListLimit();

    /**
     * How long a just-accepted job is answered from the gateway's own memory while the Kafka view catches up
     * (read-your-writes after POST and DELETE).
     */
    @WithDefault("10m")
    Duration overlayTtl();

    /**
     * How long a finished job (SUCCEEDED, FAILED, CANCELLED) stays readable after its last change; then it is
     * removed from the job state (its objects in storage are left to the bucket's lifecycle rules).
     */
    @WithDefault("7d")
    Duration jobRetention();

    /** How often each replica looks for finished jobs past their retention among the jobs it folds. */
    @WithDefault("10m")
    Duration retentionSweepInterval();

    /**
     * K, the identity words the encoder-service's bundle makes per face, counted for each person who comes as a photo
     * when a prompt's 77-token budget is checked at submission (an identity encoded earlier counts its own K, read
     * from its file). Set it to the K of the imported encoder bundle (its {@code encoder.json} "words"); the
     * built-in tiny encoder has 2. The diffusion stage checks again with the real K.
     */
    @WithDefault("2")
    int wordsPerPhoto();
}
