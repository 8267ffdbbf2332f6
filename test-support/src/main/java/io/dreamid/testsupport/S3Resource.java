package io.dreamid.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/** Quarkus test resource: points the service under test at the shared in-JVM S3 server and its test bucket. */
public class S3Resource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        String endpoint = EmbeddedS3.start();
        return Map.of(
                "dreamid.storage.endpoint", endpoint,
                "dreamid.storage.public-endpoint", endpoint,
                "dreamid.storage.access-key", EmbeddedS3.ACCESS_KEY,
                "dreamid.storage.secret-key", EmbeddedS3.SECRET_KEY,
                "dreamid.storage.bucket", EmbeddedS3.BUCKET,
                "dreamid.storage.region", EmbeddedS3.REGION);
    }

    @Override
    public void stop() {
        // shared by all test classes of the JVM; stopped by a shutdown hook
    }
}
