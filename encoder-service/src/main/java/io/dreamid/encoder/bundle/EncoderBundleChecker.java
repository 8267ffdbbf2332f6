package io.dreamid.encoder.bundle;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.models.BundleChecker;
import io.dreamid.encoder.model.M2Encoder;

import java.nio.file.Path;
import java.util.Map;

/**
 * What {@code models import --encoder} checks before it switches anything: the bundle loads as the encoder-service
 * loads it at start (encoder.json, the projector's tensors against it, the backbone session and its tapped outputs).
 */
public final class EncoderBundleChecker implements BundleChecker {
    @Override
    public String kind() {
        return "encoder";
    }

    @Override
    public String service() {
        return "encoder-service";
    }

    @Override
    public String defaultName() {
        return "encoder";
    }

    @Override
    public String check(Path dir) {
        try (M2Encoder encoder = EncoderBundle.load(dir, 0)) {
            return "encoder " + encoder.config();
        }
    }

    @Override
    public Map<String, String> settings(String name, String version) {
        return Map.of("DREAMID_ENCODER_BUNDLE_REF", ObjectKeys.model(name, version));
    }
}
