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
     * {@code backbone.onnx}). Takes precedence over {@link #bundleRef()}.
     */
    Optional<Path> bundlePath();

    /**
     * Object-store prefix of the bundle, e.g. {@code models/encoder/vitb16-1/}; its three files are downloaded to
     * {@link #cacheDir()} at start. Used when {@link #bundlePath()} is not set.
     */
    Optional<String> bundleRef();

    /** Where a bundle from object storage is kept on local disk. */
    @WithDefault("${java.io.tmpdir}/dreamid-encoder-cache")
    Path cacheDir();

    /** ONNX Runtime threads per backbone run; 0 keeps ONNX Runtime's default (one per core). */
    @WithDefault("0")
    int intraOpThreads();

    /** Largest aligned crop read from storage, in bytes; larger objects fail the job with BAD_IMAGE. */
    @WithDefault("8388608")
    long maxCropBytes();
}
