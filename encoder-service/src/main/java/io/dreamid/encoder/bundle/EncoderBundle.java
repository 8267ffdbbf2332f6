package io.dreamid.encoder.bundle;

import io.dreamid.common.tensors.Safetensors;
import io.dreamid.common.tensors.SafetensorsFile;
import io.dreamid.encoder.model.Backbone;
import io.dreamid.encoder.model.M2Encoder;
import io.dreamid.encoder.model.Projector;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads an encoder bundle folder ({@code encoder.json}, {@code projection.safetensors}, {@code backbone.onnx}) and
 * checks that its three parts agree before anything is served: a problem is a {@link BundleException} naming the
 * file and what is wrong.
 */
public final class EncoderBundle {
    public static final String[] FILES = {EncoderConfig.FILE, Projector.FILE, Backbone.FILE};

    private EncoderBundle() {
    }

    /**
     * @param intraOpThreads ONNX Runtime threads per backbone run; 0 keeps its default
     */
    public static M2Encoder load(Path dir, int intraOpThreads) {
        if (!Files.isDirectory(dir)) {
            throw new BundleException("encoder bundle folder " + dir.toAbsolutePath() + " does not exist");
        }
        for (String name : FILES) {
            if (!Files.isRegularFile(dir.resolve(name))) {
                throw new BundleException("encoder bundle " + dir.toAbsolutePath() + " has no " + name
                        + " (a bundle holds " + String.join(", ", FILES) + ")");
            }
        }
        EncoderConfig config;
        try {
            config = EncoderConfig.parse(Files.readAllBytes(dir.resolve(EncoderConfig.FILE)));
        } catch (IOException e) {
            throw new BundleException("cannot read " + dir.resolve(EncoderConfig.FILE) + ": " + e.getMessage(), e);
        }
        SafetensorsFile weights;
        try {
            weights = Safetensors.read(dir.resolve(Projector.FILE));
        } catch (RuntimeException e) {
            throw new BundleException(Projector.FILE + " is not a readable safetensors file: " + e.getMessage(), e);
        }
        String weightsVersion = weights.metadata().get("encoderVersion");
        if (weightsVersion != null && !weightsVersion.equals(config.version())) {
            throw new BundleException(Projector.FILE + " was written for encoder version " + weightsVersion + " but "
                    + EncoderConfig.FILE + " has version " + config.version());
        }
        Projector projector = Projector.load(weights, config);
        Backbone backbone = Backbone.load(dir.resolve(Backbone.FILE), config, projector.featureWidth(), intraOpThreads);
        return new M2Encoder(config, backbone, projector);
    }
}
