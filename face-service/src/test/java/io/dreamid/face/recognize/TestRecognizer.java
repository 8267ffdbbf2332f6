package io.dreamid.face.recognize;

import java.nio.file.Path;

/** One face recognition network for all unit tests of a JVM (the build put its weights in target/models). */
public final class TestRecognizer {
    private static FaceRecognizer recognizer;

    private TestRecognizer() {
    }

    public static synchronized FaceRecognizer get() {
        if (recognizer == null) {
            recognizer = new FaceRecognizer(Path.of("target/models"), 1);
        }
        return recognizer;
    }
}
