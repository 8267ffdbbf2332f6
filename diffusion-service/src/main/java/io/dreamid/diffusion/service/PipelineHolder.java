package io.dreamid.diffusion.service;

import io.dreamid.common.storage.ObjectStore;
import io.dreamid.common.models.BundleFetcher;
import io.dreamid.common.models.BundleManifest;
import io.dreamid.diffusion.bundle.SdBundle;
import io.dreamid.diffusion.config.DiffusionConfig;
import io.dreamid.diffusion.onnx.RuntimeOptions;
import io.dreamid.diffusion.pipeline.DenoiseBatcher;
import io.dreamid.diffusion.pipeline.StableDiffusionPipeline;
import io.quarkus.runtime.Startup;
import io.dreamid.common.models.RunGuard;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import org.jboss.logging.Logger;

import java.nio.file.Files;
import java.time.Duration;
import java.nio.file.Path;

/**
 * Loads the configured bundle once at start, so that a wrong path, a corrupt download or an unavailable CUDA device
 * stops the service with its reason instead of failing every job.
 */
@Startup
@ApplicationScoped
public class PipelineHolder {
    /**
     * The built-in bundle inside the service jar: a tiny Stable Diffusion 1.x with the real architectures, as
     * diffusers' ONNX converter exports it, with random weights; the default of tests and the local runner.
     */
    public static final String BUILT_IN_BUNDLE = "sd-real-arch-tiny";
    private static final Logger LOG = Logger.getLogger(PipelineHolder.class);

    private final StableDiffusionPipeline pipeline;
    private final String modelName;
    private final DenoiseBatcher batcher;
    private final RunGuard guard = new RunGuard("Stable Diffusion sessions");

    PipelineHolder(DiffusionConfig config, Instance<ObjectStore> store) {
        RuntimeOptions options = new RuntimeOptions(config.device(), config.deviceId(), config.intraOpThreads(),
                config.interOpThreads(), config.optimization(), config.memoryArena(), config.parallelExecution(),
                config.spinWait());
        Path root;
        if (config.bundlePath().isPresent()) {
            root = config.bundlePath().get();
            if (Files.isRegularFile(root.resolve(BundleManifest.FILE_NAME))) {
                BundleManifest.read(root).verify(root);
            }
            modelName = root.toAbsolutePath().normalize().toString();
        } else if (config.bundleName().isPresent()) {
            root = BundleFetcher.fromStorage(store.get(), config.bundleName().get(), config.bundleVersion(),
                    config.cacheDir());
            modelName = config.bundleName().get() + "/" + config.bundleVersion();
        } else {
            root = BundleFetcher.fromClasspath("bundles/" + BUILT_IN_BUNDLE,
                    config.cacheDir().resolve("builtin").resolve(BUILT_IN_BUNDLE));
            modelName = BUILT_IN_BUNDLE + " (built in)";
        }
        SdBundle bundle = SdBundle.open(root);
        long t0 = System.nanoTime();
        pipeline = StableDiffusionPipeline.load(bundle, options);
        LOG.infof("loaded Stable Diffusion bundle %s from %s on %s in %d ms (text width %d, %s)", modelName, root,
                config.device(), (System.nanoTime() - t0) / 1_000_000, pipeline.textWidth(), pipeline.precision());
        if (pipeline.anyHalf() && !options.cuda()) {
            LOG.warnf("the bundle %s is an fp16 export (%s) served on the CPU: ONNX Runtime's CPU provider runs most"
                    + " float16 operators through casts to float32 it inserts, slower than the float32 export;"
                    + " serve fp16 exports with dreamid.diffusion.device=cuda", modelName, pipeline.precision());
        }
        batcher = new DenoiseBatcher(pipeline, new DenoiseBatcher.Limits(config.batch().maxImages(),
                config.batch().maxWait(), config.batch().memoryBudget().asLongValue(),
                config.batch().bytesPerLatentPixel(), config.batch().lanes()));
        if (pipeline.unetFixedBatch() > 0) {
            LOG.warnf("the UNet of %s has a fixed batch of %d: every image runs alone (export it with a dynamic batch"
                    + " axis for images and jobs to share UNet runs)", modelName, pipeline.unetFixedBatch());
        } else {
            LOG.infof("batching: up to %d images per batch, waiting at most %s for a batch to form, memory budget"
                    + " %d MiB at %d bytes per sample per latent pixel, %d lane(s) per batch",
                    config.batch().maxImages(), config.batch().maxWait(),
                    config.batch().memoryBudget().asLongValue() >> 20, config.batch().bytesPerLatentPixel(),
                    config.batch().lanes());
        }
        if (bundle.tiny()) {
            LOG.warnf("the model bundle %s is a tiny test bundle: %s. Set dreamid.diffusion.bundle-path or"
                    + " dreamid.diffusion.bundle-name to a real Stable Diffusion ONNX export for real images.",
                    modelName, bundle.note());
        }
    }

    public StableDiffusionPipeline pipeline() {
        return pipeline;
    }

    /** Where jobs hand in their images to share UNet runs. */
    public DenoiseBatcher batcher() {
        return batcher;
    }

    /** How images name the model in their text chunk. */
    public String modelName() {
        return modelName;
    }

    /** Brackets a job's use of the pipeline: it is closed only after every job in hand has let go of it. */
    public RunGuard.Run enter() {
        return guard.enter();
    }

    /**
     * Closes the sessions once no job uses them. A job abandoned after the shutdown grace stops at its next
     * denoising step; closing the sessions under it would crash the JVM inside ONNX Runtime.
     */
    @PreDestroy
    void close() {
        guard.closeWhenIdle(Duration.ofSeconds(60), () -> {
            batcher.close();
            pipeline.close();
        });
    }
}
