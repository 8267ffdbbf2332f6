package io.dreamid.encoder.service;

import io.dreamid.common.models.BundleFetcher;
import io.dreamid.common.models.ModelBundleException;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.encoder.bundle.BuiltInBundle;
import io.dreamid.encoder.bundle.BundleException;
import io.dreamid.encoder.bundle.EncoderBundle;
import io.dreamid.encoder.config.EncoderServiceConfig;
import io.dreamid.encoder.model.M2Encoder;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import io.dreamid.common.models.RunGuard;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.nio.file.Path;

/**
 * Loads the encoder bundle once, at start, from a local folder or from object storage, or when neither is configured
 * the built-in one ({@link BuiltInBundle}: dlib's pretrained ResNet, untrained projector). A missing, corrupt or
 * inconsistent bundle stops the service at start with a message naming the problem, rather than failing jobs later.
 */
@Startup
@ApplicationScoped
public class EncoderHolder {
    private static final Logger LOG = Logger.getLogger(EncoderHolder.class);

    private final EncoderServiceConfig config;
    private final ObjectStore store;
    private M2Encoder encoder;
    private final RunGuard guard = new RunGuard("encoder models");

    EncoderHolder(EncoderServiceConfig config, ObjectStore store) {
        this.config = config;
        this.store = store;
    }

    @PostConstruct
    void load() {
        long start = System.nanoTime();
        Path dir = config.bundlePath().orElseGet(() -> config.bundleRef().map(this::download)
                .orElseGet(() -> BuiltInBundle.write(config.cacheDir().resolve("built-in"), config.builtInWords(),
                        config.builtInWidth())));
        encoder = EncoderBundle.load(dir, config.intraOpThreads());
        LOG.infof("encoder bundle %s loaded from %s in %d ms: %s, backbone tokens %d, projector hidden %d",
                encoder.config().version(), dir, (System.nanoTime() - start) / 1_000_000, encoder.config(),
                encoder.backbone().tokens(), encoder.projector().hidden());
    }

    public M2Encoder encoder() {
        return encoder;
    }

    /** Brackets a run of the encoder: it is closed only after every run has ended. */
    public RunGuard.Run enter() {
        return guard.enter();
    }

    @PreDestroy
    void close() {
        if (encoder != null) {
            guard.closeWhenIdle(java.time.Duration.ofSeconds(30), encoder::close);
        }
    }

    /** Fetches the bundle to the cache folder, each file checked against the bundle's SHA-256 manifest. */
    private Path download(String ref) {
        String prefix = ref.endsWith("/") ? ref : ref + "/";
        Path dir = config.cacheDir().resolve(prefix.replaceAll("[^A-Za-z0-9._-]+", "_"));
        try {
            return BundleFetcher.fromStorage(store, prefix, dir);
        } catch (ModelBundleException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new BundleException("cannot fetch the encoder bundle " + prefix + " from object storage: "
                    + e.getMessage(), e);
        }
    }
}
