package io.dreamid.common;

import java.util.regex.Pattern;

/**
 * Object keys of DESIGN.md's layout. Keys are derived from job ids and indices only, so a redelivered message
 * rewrites the same objects instead of adding new ones.
 */
public final class ObjectKeys {
    /** The longest key a message may carry. */
    public static final int MAX_KEY_LENGTH = 1024;
    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    /** Segments that are safe ids: no empty, "." or ".." segment, no leading slash (schemas' objectKey). */
    private static final Pattern SAFE_KEY = Pattern.compile(
            "[A-Za-z0-9][A-Za-z0-9._-]{0,127}(/[A-Za-z0-9][A-Za-z0-9._-]{0,127})*");
    private static final Pattern EXTENSION = Pattern.compile("[a-z0-9]{1,8}");

    private ObjectKeys() {
    }

    /** The uploaded photo of a job; {@code extension} without the dot, e.g. {@code jpg}. */
    public static String input(String jobId, String extension) {
        if (extension == null || !EXTENSION.matcher(extension).matches()) {
            throw new IllegalArgumentException("not a valid file extension for an object key: \"" + extension
                    + "\" (1-8 lower-case letters or digits, without the dot)");
        }
        return "inputs/" + requireSafe(jobId) + "/photo." + extension;
    }

    /** The aligned face crop (PNG) of a job. */
    public static String faceCrop(String jobId) {
        return "faces/" + requireSafe(jobId) + "/aligned.png";
    }

    /**
     * The job's face on dlib's 150x150 recognition chip (PNG), what the identity judge compares each output image
     * with.
     */
    public static String faceChip(String jobId) {
        return "faces/" + requireSafe(jobId) + "/chip.png";
    }

    /** The face record (JSON: box, score, keypoints, transform) of a job. */
    public static String faceRecord(String jobId) {
        return "faces/" + requireSafe(jobId) + "/face.json";
    }

    /** An identity's embedding. */
    public static String identity(String identityId) {
        return "identities/" + requireSafe(identityId) + ".safetensors";
    }

    /** Image {@code image} (from 0) of prompt {@code prompt} (from 0) of a job. */
    public static String output(String jobId, int prompt, int image) {
        return "outputs/" + requireSafe(jobId) + "/" + prompt + "-" + image + ".png";
    }

    /** The prefix of a job's generated images. */
    public static String outputPrefix(String jobId) {
        return "outputs/" + requireSafe(jobId) + "/";
    }

    /**
     * The folder of a dataset build, {@code datasets/{datasetId}/}: {@code crops/}, {@code portraits/},
     * {@code images/}, {@code manifest.jsonl}, {@code summary.json}; the manifest names its files relative to it.
     */
    public static String dataset(String datasetId) {
        return "datasets/" + requireSafe(datasetId) + "/";
    }

    /**
     * A file of a dataset build by its path relative to the dataset's folder (as the manifest names it, e.g.
     * {@code crops/0-0.png}).
     *
     * @throws IllegalArgumentException when the path is not slash-separated safe ids
     */
    public static String datasetFile(String datasetId, String relative) {
        if (!isSafeKey(relative)) {
            throw new IllegalArgumentException("not a valid path inside a dataset: \"" + relative + "\"");
        }
        return dataset(datasetId) + relative;
    }

    /** The folder of a model bundle, e.g. {@code models/sd15/1/}. */
    public static String model(String name, String version) {
        return "models/" + requireSafe(name) + "/" + requireSafe(version) + "/";
    }

    /** Whether {@code id} may be used as one path segment of a key (job ids, identity ids, model names). */
    public static boolean isSafeId(String id) {
        return id != null && SAFE_ID.matcher(id).matches();
    }

    /**
     * Whether {@code key} may name an object that a message refers to (e.g. a {@code photoRef} from another
     * system): slash-separated safe ids, so it cannot climb out of its prefix with {@code ..} or start with a slash.
     */
    public static boolean isSafeKey(String key) {
        return key != null && key.length() <= MAX_KEY_LENGTH && SAFE_KEY.matcher(key).matches();
    }

    private static String requireSafe(String id) {
        if (!isSafeId(id)) {
            throw new IllegalArgumentException("not a valid id for an object key: \"" + id
                    + "\" (letters, digits, '.', '_', '-'; at most 128 characters)");
        }
        return id;
    }
}
