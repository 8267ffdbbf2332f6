package io.dreamid.encoder.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;
import java.util.Optional;

/** Configuration of the encoder-service. */
@ConfigMapping(prefix = "dreamid.encoder")
public interface EncoderServiceConfig {
    /**
     * Local folder of the encoder bundle ({@code encoder.json}, {@code projection.safetensors},
     * {@code backbone.onnx}). Takes precedence over {@link #bundleRef()}. With neither, the built-in bundle is used:
     * dlib's face recognition ResNet as backbone with an untrained projector.
     */
    Optional<Path> bundlePath();

    /**
     * Object-store prefix of the bundle, e.g. {@code models/encoder/vitb16-1/}; its three files are downloaded to
     * {@link #cacheDir()} at start. Used when {@link #bundlePath()} is not set.
     */
    Optional<String> bundleRef();

    /**
     * K, the words per identity of the built-in bundle (used when neither {@link #bundlePath()} nor
     * {@link #bundleRef()} is set).
     */
    @WithDefault("2")
    int builtInWords();

    /**
     * Width of each word of the built-in bundle: the token embedding width of the diffusion model's text encoder
     * (32 for the diffusion-service's built-in tiny bundle, 768 for SD 1.x, 1024 for SD 2.x).
     */
    @WithDefault("32")
    int builtInWidth();

    /** Where a bundle from object storage, and the built-in bundle, are kept on local disk. */
    @WithDefault("${java.io.tmpdir}/dreamid-encoder-cache")
    Path cacheDir();

    /** ONNX Runtime threads per backbone run; 0 keeps ONNX Runtime's default (one per core). */
    @WithDefault("0")
    int intraOpThreads();

    /** Largest aligned crop read from storage, in bytes; larger objects fail the job with BAD_IMAGE. */
    @WithDefault("8388608")
    long maxCropBytes();
}
