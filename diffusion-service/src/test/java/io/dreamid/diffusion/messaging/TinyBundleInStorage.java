package io.dreamid.diffusion.messaging;

import io.dreamid.diffusion.TinyBundles;
import io.dreamid.common.models.BundleFetcher;
import io.dreamid.testsupport.EmbeddedS3;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/** Uploads the tiny SD1-like bundle to {@code models/tiny-sd1/1/} and points the service at it. */
public class TinyBundleInStorage implements QuarkusTestResourceLifecycleManager {
    public static final String NAME = "tiny-sd1";

    @Override
    public Map<String, String> start() {
        EmbeddedS3.start();
        BundleFetcher.toStorage(TinyBundles.sd1(), EmbeddedS3.store(), NAME, "1");
        return Map.of(
                "dreamid.diffusion.bundle-name", NAME,
                "dreamid.diffusion.bundle-version", "1",
                "dreamid.diffusion.cache-dir", "target/diffusion-it-cache");
    }

    @Override
    public void stop() {
        // the S3 server is shared by the JVM and stopped by its shutdown hook
    }
}
