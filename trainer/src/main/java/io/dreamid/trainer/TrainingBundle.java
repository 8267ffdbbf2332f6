package io.dreamid.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dreamid.common.models.BundleManifest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A training bundle: the ONNX serving bundle (tokenizer, scheduler, VAE scaling; what serving runs) paired with its
 * TorchScript twin (what training differentiates through). {@code twin.json} in the twin's folder records, at export,
 * the SHA-256 of its own files and of the ONNX files it was exported with; {@link #check} refuses a pair that does
 * not belong together, since a projector trained through one model means nothing for another.
 */
public record TrainingBundle(Path onnx, Path torchscript, Map<String, String> hashes) {
    public static final String TWIN_FILE = "twin.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    public static TrainingBundle check(Path onnx, Path torchscript) {
        Path twinFile = torchscript.resolve(TWIN_FILE);
        if (!Files.isRegularFile(twinFile)) {
            throw new TrainerException("the TorchScript folder " + torchscript.toAbsolutePath() + " has no " + TWIN_FILE
                    + " (the hashes its export recorded; tools/trainer/README.md says how to export a twin)");
        }
        JsonNode twin;
        try {
            twin = JSON.readTree(Files.readAllBytes(twinFile));
        } catch (IOException e) {
            throw new TrainerException("cannot read " + twinFile + ": " + e.getMessage(), e);
        }
        if (twin == null || !"dreamid-torchscript-twin/1".equals(twin.path("format").asText())) {
            throw new TrainerException(twinFile + " is not a dreamid-torchscript-twin/1 file");
        }
        Map<String, String> hashes = new LinkedHashMap<>();
        compare(twin.path("torchscript"), torchscript, "torchscript", twinFile, hashes);
        compare(twin.path("onnx"), onnx, "onnx", twinFile, hashes);
        return new TrainingBundle(onnx, torchscript, hashes);
    }

    private static void compare(JsonNode expected, Path root, String part, Path twinFile, Map<String, String> out) {
        if (!expected.isObject() || expected.isEmpty()) {
            throw new TrainerException(twinFile + " has no \"" + part + "\" hashes");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Path file = root.resolve(e.getKey());
            if (!Files.isRegularFile(file)) {
                throw new TrainerException(root.toAbsolutePath() + " has no " + e.getKey() + " (named in " + twinFile
                        + ")");
            }
            String actual = BundleManifest.sha256(file);
            if (!actual.equals(e.getValue().asText())) {
                throw new TrainerException(file + " is not the file the TorchScript twin was exported with (SHA-256 "
                        + actual + ", " + TWIN_FILE + " says " + e.getValue().asText() + "): the ONNX bundle "
                        + "and the TorchScript folder do not belong together");
            }
            out.put(part + "/" + e.getKey(), actual);
        }
    }
}
