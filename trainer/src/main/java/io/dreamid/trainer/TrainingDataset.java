package io.dreamid.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.image.RgbImage;
import io.dreamid.common.image.SafeImageDecoder;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.models.BundleManifest;
import io.dreamid.encoder.bundle.EncoderConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A self-augmented editability dataset on disk: {@code manifest.jsonl}, one JSON object per line,
 * <pre>
 * {"name": "...", "portrait": "crops/0001.png", "chip": "chips/0001.png", "prompt": "a photo of {id} as a chef",
 *  "image": "images/0001.png", "seed": 7}
 * </pre>
 * {@code portrait} is the aligned face crop, {@code chip} (optional; the dataset builder writes it) the 150x150 dlib
 * chip of the same face, {@code image} the edited image the T2I model made for the prompt with the person's name
 * where {@code {id}} is; paths are relative to the folder. Which face image the encoder reads is the base encoder
 * bundle's {@code crop}: {@code aligned} reads {@code portrait}, {@code dlib-chip} reads {@code chip}. A
 * reconstruction pair is a line whose {@code image} is the portrait itself (the prompt then describes a plain
 * portrait). {@code seed} is the generation's seed, kept for provenance. Blank lines are skipped.
 */
public record TrainingDataset(Path dir, String id, String hash, List<Example> examples) {
    public static final String MANIFEST = "manifest.jsonl";
    /** The field naming the aligned crop. */
    public static final String PORTRAIT = "portrait";
    /** The field naming the dlib chip (optional unless the encoder reads chips). */
    public static final String CHIP = "chip";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One pair as the manifest gives it, with its files decoded.
     *
     * @param face      the face image the encoder reads (the {@code portrait} crop or the {@code chip})
     * @param imageHash SHA-256 of the edited image's file (the latent cache's key)
     */
    public record Example(int line, String name, String prompt, long seed, RgbImage face, RgbImage image,
            String imageHash) {
    }

    /** Reads a dataset for an encoder that reads aligned crops ({@code portrait}). */
    public static TrainingDataset read(Path dir) {
        return read(dir, EncoderConfig.CROP_ALIGNED);
    }

    /**
     * Reads and checks the manifest and every file it names; a problem names the line and the field. The hash is
     * SHA-256 over the manifest bytes and each named file's SHA-256 (portrait, chip when given, image), in manifest
     * order.
     *
     * @param crop the base encoder's {@code crop}: {@link EncoderConfig#CROP_DLIB_CHIP} needs a {@code chip} on every
     *             line and decodes it as the face; otherwise the {@code portrait} is the face
     */
    public static TrainingDataset read(Path dir, String crop) {
        boolean chips = EncoderConfig.CROP_DLIB_CHIP.equals(crop);
        Path manifest = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            throw new TrainerException("the dataset folder " + dir.toAbsolutePath() + " has no " + MANIFEST);
        }
        List<String> lines;
        MessageDigest digest;
        try {
            byte[] bytes = Files.readAllBytes(manifest);
            digest = MessageDigest.getInstance("SHA-256");
            digest.update(bytes);
            String text = new String(bytes, StandardCharsets.UTF_8);
            // A manifest saved by an editor that writes a byte order mark (or CRLF line ends) reads like any other.
            lines = (text.startsWith("\uFEFF") ? text.substring(1) : text).lines().toList();
        } catch (IOException e) {
            throw new TrainerException("cannot read " + manifest + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        List<Example> examples = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            int number = i + 1;
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (IOException e) {
                throw new TrainerException(MANIFEST + " line " + number + " is not JSON: " + e.getMessage(), e);
            }
            if (node == null || !node.isObject()) {
                throw new TrainerException(MANIFEST + " line " + number + " is not a JSON object");
            }
            String name = text(node, "name", number);
            String prompt = text(node, "prompt", number);
            if (!prompt.contains(JobSpec.PLACEHOLDER)) {
                throw new TrainerException(MANIFEST + " line " + number + ": the prompt \"" + prompt + "\" has no "
                        + JobSpec.PLACEHOLDER + " where the person's words go");
            }
            JsonNode seed = node.get("seed");
            if (seed == null || !seed.canConvertToLong()) {
                throw new TrainerException(MANIFEST + " line " + number + " has no integer \"seed\"");
            }
            Path portrait = file(dir, text(node, PORTRAIT, number), PORTRAIT, number);
            if (chips && !node.has(CHIP)) {
                throw new TrainerException(MANIFEST + " line " + number + " has no \"" + CHIP + "\": the base encoder"
                        + " reads dlib chips (crop: " + crop + "), and this dataset names only aligned crops; build the"
                        + " dataset again (the dataset builder stores chips/) or start from an encoder bundle with"
                        + " crop: " + EncoderConfig.CROP_ALIGNED + " (--encoder DIR)");
            }
            Path chip = node.has(CHIP) ? file(dir, text(node, CHIP, number), CHIP, number) : null;
            Path image = file(dir, text(node, "image", number), "image", number);
            String imageHash = BundleManifest.sha256(image);
            digest.update(BundleManifest.sha256(portrait).getBytes(StandardCharsets.US_ASCII));
            if (chip != null) {
                digest.update(BundleManifest.sha256(chip).getBytes(StandardCharsets.US_ASCII));
            }
            digest.update(imageHash.getBytes(StandardCharsets.US_ASCII));
            RgbImage face = chips ? decode(chip, CHIP, number) : decode(portrait, PORTRAIT, number);
            examples.add(new Example(number, name, prompt, seed.asLong(), face, decode(image, "image", number),
                    imageHash));
        }
        if (examples.isEmpty()) {
            throw new TrainerException(manifest + " has no examples");
        }
        String id = dir.toAbsolutePath().normalize().getFileName().toString();
        return new TrainingDataset(dir, id, HexFormat.of().formatHex(digest.digest()), List.copyOf(examples));
    }

    private static String text(JsonNode node, String field, int line) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw new TrainerException(MANIFEST + " line " + line + " has no text field \"" + field + "\"");
        }
        return value.asText();
    }

    private static Path file(Path dir, String relative, String field, int line) {
        Path root = dir.toAbsolutePath().normalize();
        Path file = root.resolve(relative).normalize();
        if (!file.startsWith(root)) {
            throw new TrainerException(MANIFEST + " line " + line + ": \"" + field + "\" " + relative
                    + " points outside the dataset folder");
        }
        if (!Files.isRegularFile(file)) {
            throw new TrainerException(MANIFEST + " line " + line + ": \"" + field + "\" " + relative
                    + " does not exist in " + root);
        }
        return file;
    }

    private static RgbImage decode(Path file, String field, int line) {
        try {
            return SafeImageDecoder.decode(Files.readAllBytes(file), ImageLimits.DEFAULT);
        } catch (IOException | RuntimeException e) {
            throw new TrainerException(MANIFEST + " line " + line + ": the " + field + " " + file.getFileName()
                    + " is not a readable image: " + e.getMessage(), e);
        }
    }
}
