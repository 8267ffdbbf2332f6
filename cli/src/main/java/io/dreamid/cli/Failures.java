package io.dreamid.cli;

import com.fasterxml.jackson.databind.JsonNode;

/** Turns a job's error code into a sentence that says what to do next. */
final class Failures {
    private Failures() {
    }

    static String explain(JsonNode error) {
        String code = error.path("code").asText("UNKNOWN");
        String message = error.path("message").asText("");
        String advice = switch (code) {
            case "NO_FACE" -> "no face was found in the photo; use a photo where one face is clearly visible";
            case "SEVERAL_FACES" -> "the photo has several faces; pass --face-choice largest or index:N";
            case "FACE_INDEX_OUT_OF_RANGE" -> "the photo has fewer faces than --face-choice asks for";
            case "BAD_IMAGE" -> "the photo could not be read or is too large; use a JPEG or PNG";
            case "BAD_SPEC" -> "the request breaks a rule; fix the parameter named in the message";
            case "IDENTITY_NOT_FOUND" -> "no identity with that id is stored; generate from a photo first";
            case "PHOTO_NOT_FOUND" -> "the photo named by the job is not in storage";
            case "STORAGE_ERROR" -> "object storage kept failing; check './dreamid status' and try again";
            case "MODEL_ERROR" -> "a model failed on this input; see the service logs ('./dreamid logs')";
            case "MALFORMED_MESSAGE" -> "a stage could not read the job message";
            default -> "an internal error; see the service logs ('./dreamid logs')";
        };
        return code + ": " + (message.isEmpty() ? "" : message + " - ") + advice;
    }
}
