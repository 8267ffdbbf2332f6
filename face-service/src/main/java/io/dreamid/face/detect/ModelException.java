package io.dreamid.face.detect;

/** The detector failed to run on an input; a defect of the model or engine, not of the photo. */
public class ModelException extends RuntimeException {
    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
