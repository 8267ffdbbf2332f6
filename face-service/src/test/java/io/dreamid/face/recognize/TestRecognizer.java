package io.dreamid.face.recognize;

/** One face recognition network for all unit tests of a JVM (its weights are the face-recognition module's). */
public final class TestRecognizer {
    private static FaceRecognizer recognizer;

    private TestRecognizer() {
    }

    public static synchronized FaceRecognizer get() {
        if (recognizer == null) {
            recognizer = new FaceRecognizer(1);
        }
        return recognizer;
    }
}
