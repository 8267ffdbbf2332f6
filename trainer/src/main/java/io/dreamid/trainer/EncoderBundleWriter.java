package io.dreamid.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dreamid.common.models.BundleManifest;
import io.dreamid.encoder.bundle.EncoderConfig;
import io.dreamid.encoder.model.Backbone;
import io.dreamid.encoder.model.Projector;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes the trained encoder bundle: the base bundle's {@code backbone.onnx} (unchanged: it was frozen), the trained
 * {@code projection.safetensors}, {@code encoder.json} with a new version, {@code training-card.json},
 * {@code loss-curve.png} and the {@code manifest.json} of them all.
 */
public final class EncoderBundleWriter {
    static final String CARD = "training-card.json";
    static final String CURVE = "loss-curve.png";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private EncoderBundleWriter() {
    }

    /** Returns the version written. */
    public static String write(Trainer trainer, Path out) {
        TrainingOptions options = trainer.options();
        TrainableProjector projector = trainer.projector();
        String version = options.version() != null ? options.version()
                : "trained-" + sha256(projector.toSafetensors(Map.of())).substring(0, 12);
        try {
            Files.createDirectories(out);
            Files.copy(trainer.baseEncoder().resolve(Backbone.FILE), out.resolve(Backbone.FILE),
                    StandardCopyOption.REPLACE_EXISTING);
            ObjectNode config = (ObjectNode) JSON.readTree(
                    Files.readAllBytes(trainer.baseEncoder().resolve(EncoderConfig.FILE)));
            String baseVersion = config.path("version").asText();
            config.put("version", version);
            Files.write(out.resolve(EncoderConfig.FILE), JSON.writeValueAsBytes(config));
            byte[] weights = projector.toSafetensors(Map.of("encoderVersion", version, "format",
                    "dreamid-projector/1", "trainedFrom", baseVersion));
            Files.write(out.resolve(Projector.FILE), weights);
            float[] losses = trainer.lossArray();
            LossCurve.write(losses, out.resolve(CURVE));
            Files.write(out.resolve(CARD), JSON.writeValueAsBytes(card(trainer, version, baseVersion, losses,
                    sha256(weights))));
            Files.deleteIfExists(out.resolve(BundleManifest.FILE_NAME));
            Files.write(out.resolve(BundleManifest.FILE_NAME), BundleManifest.compute(out).toJson());
        } catch (IOException e) {
            throw new TrainerException("cannot write the encoder bundle to " + out + ": " + e.getMessage(), e);
        }
        return version;
    }

    private static Map<String, Object> card(Trainer trainer, String version, String baseVersion, float[] losses,
            String projectorHash) {
        Map<String, Object> card = new LinkedHashMap<>();
        card.put("format", "dreamid-training-card/1");
        card.put("version", version);
        card.put("method", "self-augmented editability learning (DreamIdentity): the portrait's words replace {id} in"
                + " the edit prompt; MSE of the frozen UNet's prediction against the scheduler's target on the edited"
                + " image's noised latents; only the projector trains");
        card.put("baseEncoder", Map.of("path", trainer.baseEncoder().toString(), "version", baseVersion));
        card.put("dataset", Map.of("id", trainer.dataset().id(), "hash", trainer.dataset().hash(),
                "pairs", trainer.dataset().examples().size()));
        card.put("steps", losses.length);
        card.put("predictionType", trainer.predictionType());
        card.put("hyperParameters", trainer.options().hyperParameters());
        int tail = Math.min(10, losses.length);
        double last = 0;
        for (int i = losses.length - tail; i < losses.length; i++) {
            last += losses[i];
        }
        Map<String, Object> loss = new LinkedHashMap<>();
        loss.put("first", losses[0]);
        loss.put("final", losses[losses.length - 1]);
        loss.put("meanOfLast" + tail, last / tail);
        loss.put("curve", losses);
        card.put("loss", loss);
        card.put("frozenModels", trainer.pair().hashes());
        card.put("projectorSha256", projectorHash);
        return card;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
