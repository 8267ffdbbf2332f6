package io.dreamid.face.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;


/** Configuration of the face-service ({@code dreamid.face.*}). */
@ConfigMapping(prefix = "dreamid.face")
public interface FaceConfig {
    /**
     * Folder holding {@code face_detection_front_128x128_barracuda.onnx} and
     * {@code face_detection_back_256x256_barracuda.onnx} (the face recognition weights are in the face-recognition
     * module's jar). The default suits the local runner, which starts the
     * service from the repository root; the build extracts the models there.
     */
    @WithDefault("face-service/target/models")
    String modelDir();

    /**
     * Worker threads that process jobs and requests, each with its own predictors; also the number of jobs in
     * flight per instance: {@code dreamid.stage.inputs.jobs.workers} is set to it.
     */
    @WithDefault("2")
    int workers();

    /** ONNX Runtime threads per inference. 1 lets the workers use the cores without oversubscribing them. */
    @WithDefault("1")
    int intraOpThreads();

    /** Model policy: {@code auto} (128 model, then 256 when it finds nothing), {@code front} or {@code back}. */
    @WithDefault("auto")
    String detector();

    /** Minimum detector confidence of a face, 0..1. */
    @WithDefault("0.5")
    double minScore();

    /**
     * Detector confidence on a candidate's upright close-up (its last refinement round) below which it is not
     * counted as a face while another candidate reaches it, 0..1. Real faces score 0.92-0.98 there, patterns that
     * only looked like a face in the whole photo 0.56-0.72 (README, "Detection policy").
     */
    @WithDefault("0.8")
    double faceScore();

    /** Side of the aligned crop in pixels: 112 (the ArcFace template's own size) or 224. */
    @WithDefault("112")
    int cropSize();

    /** Largest photo accepted, in bytes; larger photos fail with BAD_IMAGE. */
    @WithDefault("20971520")
    long maxPhotoBytes();

    /** Largest photo accepted, in pixels (width x height, and each side at most 8192). */
    @WithDefault("40000000")
    long maxPhotoPixels();

    /**
     * A larger photo is decoded with every n-th pixel of every n-th row (the smallest n that fits), so that the
     * largest accepted photo (max-photo-pixels) does not need its full size in memory per worker; faces need far
     * fewer pixels. The face record is still in the photo's own pixels. At least 1000000.
     */
    @WithDefault("4000000")
    long maxDecodedPixels();
}
