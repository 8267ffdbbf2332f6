package io.dreamid.encoder.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * The parsed {@code encoder.json} of a bundle (see the module README for the contract).
 *
 * @param version      the bundle's version; part of every identity id, so a new encoder never reuses old embeddings
 * @param inputSize    side of the square input the backbone takes, in pixels
 * @param mean         per RGB channel, subtracted after scaling pixels to 0..1
 * @param std          per RGB channel, divides after the mean is subtracted
 * @param tappedLayers the backbone layers read, strictly ascending (0 = embeddings, l = output of block l);
 *                     the backbone outputs them as {@code hidden_<l>}
 * @param tokenPooling how one vector is taken from each tapped hidden state
 * @param words        K, the number of pseudo-words
 * @param width        the width of each word: the text encoder's input embedding width
 * @param layerNormEps epsilon of every LayerNorm of the projector
 * @param outputNorm   whether the projector ends with a LayerNorm per word
 * @param crop         which face image of a job the backbone reads: {@link #CROP_ALIGNED} (the face stage's aligned
 *                     crop, the default) or {@link #CROP_DLIB_CHIP} (dlib's 150x150 chip stored beside it)
 */
public record EncoderConfig(
        String version,
        int inputSize,
        float[] mean,
        float[] std,
        int[] tappedLayers,
        TokenPooling tokenPooling,
        int words,
        int width,
        double layerNormEps,
        boolean outputNorm,
        String crop) {

    /** {@code crop}: the aligned crop of the face stage ({@code faces/{jobId}/aligned.png}). */
    public static final String CROP_ALIGNED = "aligned";
    /** {@code crop}: dlib's face chip the face stage stores beside the aligned crop ({@code faces/{jobId}/chip.png}). */
    public static final String CROP_DLIB_CHIP = "dlib-chip";

    /** The only value of the {@code format} field this code reads. */
    public static final String FORMAT = "dreamid-encoder/1";
    public static final String FILE = "encoder.json";

    private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final int MAX_INPUT_SIZE = 1024;

    /** The backbone output that holds the hidden state of {@code layer}. */
    public static String outputName(int layer) {
        return "hidden_" + layer;
    }

    /** Parses and checks {@code encoder.json}; every problem names the field and what it must be. */
    public static EncoderConfig parse(byte[] json) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new BundleException(FILE + " is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) {
            throw new BundleException(FILE + " must hold a JSON object");
        }
        String format = text(root, "format");
        if (!FORMAT.equals(format)) {
            throw new BundleException(FILE + ": format must be \"" + FORMAT + "\", got \"" + format + "\"");
        }
        String version = text(root, "version");
        if (!VERSION.matcher(version).matches()) {
            throw new BundleException(FILE + ": version must be 1-64 letters, digits, '.', '_' or '-', got \""
                    + version + "\"");
        }
        int inputSize = positiveInt(root, "inputSize", MAX_INPUT_SIZE);
        float[] mean = rgb(root, "mean", false);
        float[] std = rgb(root, "std", true);
        int[] taps = taps(root);
        String pooling = text(root, "tokenPooling");
        TokenPooling tokenPooling = Arrays.stream(TokenPooling.values())
                .filter(p -> p.jsonName().equals(pooling))
                .findFirst()
                .orElseThrow(() -> new BundleException(FILE + ": tokenPooling must be \"cls\" or \"mean\", got \""
                        + pooling + "\""));
        int words = positiveInt(root, "words", 77);
        int width = positiveInt(root, "width", 1 << 16);
        double eps = root.has("layerNormEps") ? number(root, "layerNormEps") : 1e-5;
        if (!(eps > 0 && eps < 1)) {
            throw new BundleException(FILE + ": layerNormEps must be in (0, 1), got " + eps);
        }
        JsonNode outputNorm = root.get("outputNorm");
        if (outputNorm != null && !outputNorm.isBoolean()) {
            throw new BundleException(FILE + ": outputNorm must be true or false, got " + outputNorm);
        }
        String crop = root.has("crop") ? text(root, "crop") : CROP_ALIGNED;
        if (!crop.equals(CROP_ALIGNED) && !crop.equals(CROP_DLIB_CHIP)) {
            throw new BundleException(FILE + ": crop must be \"" + CROP_ALIGNED + "\" or \"" + CROP_DLIB_CHIP
                    + "\", got \"" + crop + "\"");
        }
        return new EncoderConfig(version, inputSize, mean, std, taps, tokenPooling, words, width, eps,
                outputNorm != null && outputNorm.booleanValue(), crop);
    }

    private static String text(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || !node.isTextual()) {
            throw new BundleException(FILE + ": field \"" + field + "\" is missing or not a string");
        }
        return node.textValue();
    }

    private static double number(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || !node.isNumber()) {
            throw new BundleException(FILE + ": field \"" + field + "\" is missing or not a number");
        }
        return node.doubleValue();
    }

    private static int positiveInt(JsonNode root, String field, int max) {
        JsonNode node = root.get(field);
        if (node == null || !node.isIntegralNumber() || node.longValue() < 1 || node.longValue() > max) {
            throw new BundleException(FILE + ": field \"" + field + "\" must be an integer from 1 to " + max
                    + ", got " + node);
        }
        return node.intValue();
    }

    private static float[] rgb(JsonNode root, String field, boolean positive) {
        JsonNode node = root.get(field);
        if (node == null || !node.isArray() || node.size() != 3) {
            throw new BundleException(FILE + ": field \"" + field + "\" must be an array of 3 numbers (R, G, B), got "
                    + node);
        }
        float[] values = new float[3];
        for (int c = 0; c < 3; c++) {
            JsonNode v = node.get(c);
            if (!v.isNumber() || (positive && !(v.doubleValue() > 0))) {
                throw new BundleException(FILE + ": " + field + "[" + c + "] must be a " + (positive ? "positive " : "")
                        + "number, got " + v);
            }
            values[c] = v.floatValue();
        }
        return values;
    }

    private static int[] taps(JsonNode root) {
        JsonNode node = root.get("tappedLayers");
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw new BundleException(FILE + ": field \"tappedLayers\" must be a non-empty array of layer numbers");
        }
        int[] taps = new int[node.size()];
        for (int i = 0; i < taps.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || v.intValue() < 0 || (i > 0 && v.intValue() <= taps[i - 1])) {
                throw new BundleException(FILE + ": tappedLayers must be strictly ascending layer numbers from 0, got "
                        + node);
            }
            taps[i] = v.intValue();
        }
        return taps;
    }

    @Override
    public String toString() {
        return "EncoderConfig[version=" + version + ", inputSize=" + inputSize + ", mean=" + Arrays.toString(mean)
                + ", std=" + Arrays.toString(std) + ", tappedLayers=" + Arrays.toString(tappedLayers)
                + ", tokenPooling=" + tokenPooling.jsonName() + ", words=" + words + ", width=" + width
                + ", layerNormEps=" + layerNormEps + ", outputNorm=" + outputNorm + ", crop=" + crop + "]";
    }
}
