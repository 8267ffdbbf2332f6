package io.dreamid.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.net.URI;
import java.util.Map;

/**
 * Quarkus test resource: the service under test reaches the shared S3 server through a {@link FaultProxy} that the
 * test can make refuse or hang ({@link #proxy()}); storage calls time out after 2 s so a hung server is noticed
 * quickly. The test itself reaches the server directly through {@link EmbeddedS3#store()}.
 */
public class FaultyS3Resource implements QuarkusTestResourceLifecycleManager {
    private static FaultProxy proxy;

    /** The proxy in front of the S3 server, for the test to break and heal. */
    public static synchronized FaultProxy proxy() {
        if (proxy == null) {
            throw new IllegalStateException("FaultyS3Resource has not started");
        }
        return proxy;
    }

    @Override
    public synchronized Map<String, String> start() {
        URI endpoint = URI.create(EmbeddedS3.start());
        proxy = new FaultProxy(endpoint.getHost(), endpoint.getPort());
        return Map.of(
                "dreamid.storage.endpoint", proxy.url(),
                "dreamid.storage.public-endpoint", proxy.url(),
                "dreamid.storage.access-key", EmbeddedS3.ACCESS_KEY,
                "dreamid.storage.secret-key", EmbeddedS3.SECRET_KEY,
                "dreamid.storage.bucket", EmbeddedS3.BUCKET,
                "dreamid.storage.region", EmbeddedS3.REGION,
                "dreamid.storage.timeout", "2s");
    }

    @Override
    public synchronized void stop() {
        if (proxy != null) {
            proxy.close();
            proxy = null;
        }
    }
}
