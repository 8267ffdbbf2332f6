package io.dreamid.common.storage;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** Where the services keep every blob: an S3-compatible server (MinIO in deployments, S3Proxy locally). */
@ConfigMapping(prefix = "dreamid.storage")
public interface StorageConfig {
    /** URL of the S3 API, e.g. {@code http://localhost:19000}. */
    @WithDefault("http://localhost:19000")
    String endpoint();

    /**
     * URL that clients outside the cluster use to reach the same server; presigned links are signed for it.
     * Defaults to {@link #endpoint()}.
     */
    Optional<String> publicEndpoint();

    /**
     * Access key of the S3 API. Required: only the dev and test profiles have a default (the local runner's,
     * in common's {@code META-INF/microprofile-config.properties}); a service started without it, or with it
     * empty (an unfilled Kubernetes Secret), stops at start naming {@code dreamid.storage.access-key} instead of
     * trying well-known credentials against a real object store.
     */
    String accessKey();

    /** Secret key of the S3 API. Required like {@link #accessKey()}. */
    String secretKey();

    /** The one bucket that holds inputs, faces, identities, outputs and models. */
    @WithDefault("dreamid")
    String bucket();

    /** Region used for signing; S3Proxy and MinIO accept any. */
    @WithDefault("us-east-1")
    String region();

    /**
     * Connect, read and write timeout of every storage request: a hung server (connections open, no answer) makes a
     * call fail after this long, and the stage runtime retries it like a refused connection. A read timeout is per
     * read, so large downloads are not limited by it.
     */
    @WithDefault("PT30S") // ISO-8601, which plain SmallRye Config reads too; in the services "30s" works as well
    Duration timeout();

    /** Create the bucket at start when it does not exist. */
    @WithDefault("true")
    boolean createBucket();
}
