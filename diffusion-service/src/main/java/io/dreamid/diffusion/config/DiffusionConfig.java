package io.dreamid.diffusion.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Configuration of the diffusion-service. */
@ConfigMapping(prefix = "dreamid.diffusion")
public interface DiffusionConfig {
    /**
     * Local folder of a Stable Diffusion ONNX bundle (the standard layout, with {@code manifest.json}). Takes
     * precedence over {@link #bundleName()}. With neither set, the built-in tiny bundle (random weights, images
     * are noise by design) is used and the service says so.
     */
    Optional<Path> bundlePath();

    /** Name of a bundle in object storage, {@code models/{name}/{version}/}; fetched into {@link #cacheDir()}. */
    Optional<String> bundleName();

    /** Version of {@link #bundleName()}. */
    @WithDefault("1")
    String bundleVersion();

    /** Where bundles from storage (and the built-in tiny bundle) are unpacked on local disk. */
    @WithDefault("${java.io.tmpdir}/dreamid-diffusion-cache")
    Path cacheDir();

    /** {@code cpu} or {@code cuda} (needs the gpu build profile and CUDA 12 + cuDNN 9; checked at start). */
    @WithDefault("cpu")
    String device();

    /** CUDA device number when {@link #device()} is {@code cuda}. */
    @WithDefault("0")
    int deviceId();

    /** ONNX Runtime threads inside one operator; 0 lets ONNX Runtime choose (one per physical core). */
    @WithDefault("0")
    int intraOpThreads();

    /** ONNX Runtime threads across operators, used with {@link #parallelExecution()}; 0 lets it choose. */
    @WithDefault("0")
    int interOpThreads();

    /** Run independent graph branches in parallel (ONNX Runtime's PARALLEL execution mode). */
    @WithDefault("false")
    boolean parallelExecution();

    /** ONNX Runtime graph optimisation level: none, basic, extended or all. */
    @WithDefault("all")
    String optimization();

    /** ONNX Runtime's CPU memory arena: faster repeated runs at the cost of memory that is kept. */
    @WithDefault("true")
    boolean memoryArena();

    /**
     * Let ONNX Runtime's pool threads spin-wait between operators. Off by default: spinning threads keep burning
     * CPU after every run, which slows the other workers and services sharing the cores; turn it on for a
     * worker with cores of its own.
     */
    @WithDefault("false")
    boolean spinWait();

    /** Progress events are sent at most this often... */
    @WithDefault("250ms")
    Duration progressInterval();

    /** ...unless progress grew by at least this much (fraction of the job) since the last one. */
    @WithDefault("0.05")
    double progressStep();

    /** Largest identity embedding read from storage, in bytes. */
    @WithDefault("16777216")
    long maxIdentityBytes();

    /** Images of a prompt and of concurrent jobs sharing UNet runs (README, "Batching"). */
    Batch batch();

    interface Batch {
        /**
         * Images in one UNet batch at most (each takes 2 samples with guidance). 1 runs every image alone. Jobs are
         * batched together only when the stage runs several at once ({@code dreamid.stage.inputs.identities.workers}).
         * Images are stored as their batch ends, so a stopped job keeps the batches it finished. 1 by default: on a
         * CPU a batch costs what its images cost alone (README, "Figures") and every image is kept on a stop; the
         * GPU overlay sets 8.
         */
        @WithDefault("1")
        int maxImages();

        /** How long the oldest waiting image waits for others (same size, steps and scheduler) to join its batch. */
        @WithDefault("5ms")
        Duration maxWait();

        /**
         * The UNet memory a batch may take, estimated as samples x latent pixels x {@link #bytesPerLatentPixel()};
         * a batch that would exceed it is split (one image always runs).
         */
        @WithDefault("8G")
        MemorySize memoryBudget();

        /**
         * The estimate's bytes per UNet sample per latent pixel (64x64 latents = a 512x512 image). The default,
         * 256 KiB, puts an SD 1.5 float32 sample at 512x512 at 1 GiB (attention maps included); set it for the
         * bundle served.
         */
        @WithDefault("262144")
        long bytesPerLatentPixel();

        /**
         * UNet runs a batch holding several jobs is split into and run at the same time, each job's images in one
         * (README, "Batching"). 1 by default: one run per batch, what a GPU wants. On a CPU worker that runs several
         * jobs at once, set it to the cores: ONNX Runtime runs a small UNet's operators on one core, and lanes are
         * how a batch uses the others.
         */
        @WithDefault("1")
        int lanes();
    }
}
