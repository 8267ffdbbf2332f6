package io.dreamid.face.pipeline;

import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.FaceChoice;
import io.dreamid.face.detect.Detection;

import java.util.List;

/** Picks the face a job asked for among the faces found (ordered left to right). */
public final class FaceChooser {

    private FaceChooser() {
    }

    /**
     * The index of the chosen face in {@code faces}.
     *
     * @throws FaceFailure {@code NO_FACE}, {@code SEVERAL_FACES} or {@code FACE_INDEX_OUT_OF_RANGE}
     */
    public static int choose(List<Detection> faces, FaceChoice choice, int width, int height) {
        if (faces.isEmpty()) {
            throw new FaceFailure(ErrorCodes.NO_FACE, "no face found in the " + width + "x" + height
                    + " photo; use a photo where one face is clearly visible, roughly frontal and not covered");
        }
        return switch (choice.mode()) {
            case LARGEST -> largest(faces);
            case FAIL_IF_SEVERAL -> {
                if (faces.size() > 1) {
                    throw new FaceFailure(ErrorCodes.SEVERAL_FACES, "found " + faces.size() + " faces and the job"
                            + " asked for face \"fail-if-several\"; crop the photo to one person, or ask for face"
                            + " \"largest\" or \"index:N\" (faces numbered from 0, left to right)");
                }
                yield 0;
            }
            case INDEX -> {
                if (choice.index() >= faces.size()) {
                    throw new FaceFailure(ErrorCodes.FACE_INDEX_OUT_OF_RANGE, "the job asked for face index:"
                            + choice.index() + " but the photo has " + faces.size() + " face"
                            + (faces.size() == 1 ? "" : "s") + " (numbered from 0, left to right)");
                }
                yield choice.index();
            }
        };
    }

    private static int largest(List<Detection> faces) {
        int best = 0;
        for (int i = 1; i < faces.size(); i++) {
            if (faces.get(i).box().area() > faces.get(best).box().area()) {
                best = i;
            }
        }
        return best;
    }
}
