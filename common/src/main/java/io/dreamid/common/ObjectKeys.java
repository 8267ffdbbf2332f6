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
