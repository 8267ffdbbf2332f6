package io.dreamid.common;

import java.util.regex.Matcher;
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
    private static final Pattern OUTPUT_NAME = Pattern.compile("/(\\d{1,4})-(\\d{1,4})(?:-c(\\d{1,4}))?\\.png$");
    private static final Pattern FACE_CROP = Pattern.compile(
            "faces/([^/]+)/(?:person-([A-Za-z0-9_-]{1,64})-)?aligned\\.png");
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

    /**
     * The photo of person {@code name} (an {@code {id:NAME}} name) of a job of several people, uploaded as the part
     * {@code photo:NAME}.
     */
    public static String personInput(String jobId, String name, String extension) {
        String photo = input(jobId, extension);
        return photo.substring(0, photo.lastIndexOf('/') + 1) + personSegment(name) + "." + extension;
    }

    /** The aligned face crop (PNG) of person {@code name} of a job of several people. */
    public static String personFaceCrop(String jobId, String name) {
        return "faces/" + requireSafe(jobId) + "/" + personSegment(name) + "-aligned.png";
    }

    /** The recognition chip (PNG) of person {@code name} of a job of several people. */
    public static String personFaceChip(String jobId, String name) {
        return "faces/" + requireSafe(jobId) + "/" + personSegment(name) + "-chip.png";
    }

    /** The face record (JSON) of person {@code name} of a job of several people. */
    public static String personFaceRecord(String jobId, String name) {
        return "faces/" + requireSafe(jobId) + "/" + personSegment(name) + "-face.json";
    }

    /** Names may start with '-' or '_', which a key segment may not: the prefix makes every name a safe segment. */
    private static String personSegment(String name) {
        if (name == null || !name.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new IllegalArgumentException("not a person's name: \"" + name
                    + "\" (letters, digits, '-' and '_', at most 64 characters)");
        }
        return "person-" + name;
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

    /**
     * The chip stored beside an aligned crop (a job's {@link #faceCrop} or a person's {@link #personFaceCrop}), e.g.
     * for the crop an identity was made from; null when {@code cropKey} is not a crop of this layout.
     */
    public static String faceChipBesideCrop(String cropKey) {
        Matcher m = cropKey == null ? null : FACE_CROP.matcher(cropKey);
        if (m == null || !m.matches() || !isSafeId(m.group(1))) {
            return null;
        }
        return m.group(2) == null ? faceChip(m.group(1)) : personFaceChip(m.group(1), m.group(2));
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

    /**
     * Candidate {@code candidate} (from 0) of image {@code image} of prompt {@code prompt} of a {@code bestOf} job:
     * the identity judge chooses one of an image's candidates as the image.
     */
    public static String candidate(String jobId, int prompt, int image, int candidate) {
        return "outputs/" + requireSafe(jobId) + "/" + prompt + "-" + image + "-c" + candidate + ".png";
    }

    /**
     * Which image an output key is: prompt, image and candidate (null for an image without candidates), or null for
     * a key that is neither {@link #output} nor {@link #candidate}.
     */
    public static OutputName outputName(String key) {
        Matcher m = key == null ? null : OUTPUT_NAME.matcher(key);
        if (m == null || !m.find()) {
            return null;
        }
        return new OutputName(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                m.group(3) == null ? null : Integer.valueOf(m.group(3)));
    }

    /** The place of a generated image in its job: prompt and image from 0, candidate from 0 or null. */
    public record OutputName(int prompt, int image, Integer candidate) {
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
