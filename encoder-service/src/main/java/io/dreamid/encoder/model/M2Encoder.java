package io.dreamid.encoder.model;

import io.dreamid.common.image.RgbImage;
import io.dreamid.encoder.bundle.EncoderConfig;

/**
 * The M² ID encoder of a loaded bundle: aligned crop to K pseudo-word embeddings (preprocess, backbone,
 * projector). Thread-safe; closing it releases the ONNX Runtime sessions.
 */
public final class M2Encoder implements AutoCloseable {
    private final EncoderConfig config;
    private final Preprocessor preprocessor;
    private final Backbone backbone;
    private final Projector projector;

    public M2Encoder(EncoderConfig config, Backbone backbone, Projector projector) {
        this.config = config;
        this.preprocessor = new Preprocessor(config);
        this.backbone = backbone;
        this.projector = projector;
    }

    public EncoderConfig config() {
        return config;
    }

    public Projector projector() {
        return projector;
    }

    public Backbone backbone() {
        return backbone;
    }

    /** K x width embedding of {@code crop} (row-major) and the time each step took. */
    public Encoding encode(RgbImage crop) {
        long t0 = System.nanoTime();
        float[] pixels = preprocessor.apply(crop);
        long t1 = System.nanoTime();
        float[][] pooled = backbone.run(pixels);
        long t2 = System.nanoTime();
        float[] embedding = projector.apply(pooled);
        long t3 = System.nanoTime();
        return new Encoding(embedding, t1 - t0, t2 - t1, t3 - t2);
    }

    @Override
    public void close() {
        backbone.close();
    }

    /**
     * @param embedding      K x width, row-major
     * @param backboneNanos  the ONNX Runtime run, including the copy of the tapped hidden states and their pooling
     */
    public record Encoding(float[] embedding, long preprocessNanos, long backboneNanos, long projectorNanos) {
    }
}
