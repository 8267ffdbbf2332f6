package io.dreamid.cli;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Turns a job's error into a sentence that says what to do next: the service's own message (it knows the
 * details: sizes, counts, the parameter at fault), and for the codes where the fix is on this side of the
 * command line, what to type.
 */
final class Failures {
    private Failures() {
    }

    static String explain(JsonNode error) {
        String code = error.path("code").asText("UNKNOWN");
        String message = error.path("message").asText("").strip();
        String action = switch (code) {
            case "SEVERAL_FACES" -> "pass --face-choice largest, or index:N to pick face N (0 = leftmost)";
            case "FACE_INDEX_OUT_OF_RANGE" -> "pass a smaller index to --face-choice, or --face-choice largest";
            case "IDENTITY_NOT_FOUND" -> "generate from a photo with --face first; it prints the identity id";
            case "STORAGE_ERROR" -> "check './dreamid status' and try again";
            case "MODEL_ERROR", "INTERNAL", "MALFORMED_MESSAGE" -> "see the service logs ('./dreamid logs')";
            default -> null;
        };
        if (message.isEmpty()) {
            message = switch (code) {
                case "NO_FACE" -> "no face was found in the photo; use a photo where one face is clearly visible";
                case "BAD_IMAGE" -> "the photo could not be read or is too large; use a JPEG or PNG";
                case "BAD_SPEC" -> "the request breaks a rule of the job's parameters";
                default -> "the job failed";
            };
        }
        return code + ": " + message + (action == null ? "" : " (" + action + ")");
    }
}
