package io.dreamid.face.detect;

import java.nio.file.Files;
import java.nio.file.Path;

/** One detector for all unit tests of a JVM: the models load once (the build put them in target/models). */
public final class TestModels {
    private static FaceDetector detector;

    private TestModels() {
    }

    /**
     * The folder the build extracts the models into: {@code target/models} for tests (run in the module) and
     * {@code face-service/target/models} for benchmarks ({@code exec:java} runs in the repository root).
     */
    public static Path dir() {
        Path inModule = Path.of("target/models");
        return Files.isDirectory(inModule) ? inModule : Path.of("face-service/target/models");
    }

    public static synchronized FaceDetector detector() {
        if (detector == null) {
            BlazeFaceModels models = new BlazeFaceModels(dir(), 1);
            detector = new FaceDetector(models, 1, 0.5);
        }
        return detector;
    }
}
