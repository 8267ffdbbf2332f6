package io.dreamid.encoder.messaging;

import io.dreamid.common.models.BundleFetcher;
import io.dreamid.encoder.model.TestBundles;
import io.dreamid.testsupport.EmbeddedS3;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.nio.file.Path;
import java.util.Map;

/**
 * Quarkus test resource: uploads the committed tiny bundle to the shared S3 server as a model, so that the service
 * under test loads its bundle the way a deployment does (downloaded from object storage at start).
 */
public class TinyBundleInStorage implements QuarkusTestResourceLifecycleManager {
    public static final String PREFIX = "models/encoder/tiny-random-1/";

    @Override
    public Map<String, String> start() {
        BundleFetcher.toStorage(TestBundles.TINY, EmbeddedS3.store(), "encoder", "tiny-random-1");
        return Map.of(
                "dreamid.encoder.bundle-ref", PREFIX,
                "dreamid.encoder.cache-dir", Path.of("target/encoder-cache").toAbsolutePath().toString(),
                "dreamid.encoder.intra-op-threads", "1");
    }

    @Override
    public void stop() {
        // the shared S3 server is stopped by its shutdown hook
    }
}
