package io.dreamid.face.detect;

import java.nio.file.Path;

/** One detector for all unit tests of a JVM: the models load once (the build put them in target/models). */
public final class TestModels {
    private static FaceDetector detector;

    private TestModels() {
    }

    public static synchronized FaceDetector detector() {
        if (detector == null) {
            BlazeFaceModels models = new BlazeFaceModels(Path.of("target/models"), 1);
            detector = new FaceDetector(models, 1, 0.5);
        }
        return detector;
    }
}
