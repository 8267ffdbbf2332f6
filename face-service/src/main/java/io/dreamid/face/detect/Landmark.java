package io.dreamid.face.detect;

/** BlazeFace's six keypoints, in the model's output order. "Right" and "left" are the subject's own. */
public enum Landmark {
    RIGHT_EYE("rightEye"),
    LEFT_EYE("leftEye"),
    NOSE_TIP("noseTip"),
    MOUTH_CENTER("mouthCenter"),
    RIGHT_EAR("rightEar"),
    LEFT_EAR("leftEar");

    public static final int COUNT = 6;

    private final String jsonName;

    Landmark(String jsonName) {
        this.jsonName = jsonName;
    }

    /** The camelCase name used in face records and HTTP responses. */
    public String jsonName() {
        return jsonName;
    }
}
