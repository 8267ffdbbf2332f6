package io.dreamid.gateway.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.dreamid.common.json.Json;
import io.dreamid.common.messages.DatasetSpec;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.gateway.rest.ApiException;

import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Reads the JSON a client sends (a spec, or the JSON body of {@code POST /v1/jobs}) strictly: an unknown field
 * is refused rather than ignored, so a typo ("step": 10) is reported instead of silently taking a default.
 */
public final class JobRequests {
    static final Set<String> SPEC_FIELDS = Arrays.stream(JobSpec.class.getRecordComponents())
            .map(c -> c.getName()).collect(Collectors.toCollection(TreeSet::new));
    static final Set<String> BODY_FIELDS = new TreeSet<>(List.of("spec", "photoRef", "identityId", "photos"));

    private JobRequests() {
    }

    /**
     * The JSON body of {@code POST /v1/jobs}: {@code {"spec": {...}, "photoRef": "..."} or "identityId"}, or for
     * several people {@code "photos": {"PART": "<object key>"}} (the photos of {@code photo:PART} people).
     */
    public record JobRequest(JobSpec spec, String photoRef, String identityId, Map<String, String> photos) {
    }

    public static JobSpec spec(byte[] json) {
        return spec(tree(json, "spec"), "spec");
    }

    public static JobRequest request(byte[] json) {
        JsonNode body = tree(json, "request body");
        checkFields(body, BODY_FIELDS, "the request body",
                SPEC_FIELDS.stream().anyMatch(body::has)
                        ? "; put the spec fields inside \"spec\": {\"spec\": {\"prompts\": [...]}, \"photoRef\": ...}"
                        : "");
        JsonNode spec = body.get("spec");
        if (spec == null || spec.isNull()) {
            throw bad("the request body has no \"spec\"; send {\"spec\": {\"prompts\": [\"a photo of {id} ...\"]},"
                    + " \"photoRef\": \"...\"} or with \"identityId\" instead of \"photoRef\"");
        }
        return new JobRequest(spec(spec, "spec"), text(body, "photoRef"), text(body, "identityId"), photos(body));
    }

    /** The body of {@code POST /v1/datasets}: a {@link DatasetSpec}, unknown fields refused. */
    public static DatasetSpec datasetSpec(byte[] json) {
        return record(tree(json, "request body"), DatasetSpec.class, "the dataset spec",
                "{\"names\": [\"Ada Lovelace\"], \"editPrompts\": [\"{name} as a chef\"]}");
    }

    private static JobSpec spec(JsonNode node, String what) {
        return record(node, JobSpec.class, what, "{\"prompts\": [\"a photo of {id} as an astronaut\"]}");
    }

    /** A record from JSON, with every unknown field refused (a typo never silently takes a default). */
    private static <T extends Record> T record(JsonNode node, Class<T> type, String what, String example) {
        if (!node.isObject()) {
            throw bad(what + " must be a JSON object, e.g. " + example);
        }
        checkFields(node, Arrays.stream(type.getRecordComponents()).map(c -> c.getName())
                .collect(Collectors.toCollection(TreeSet::new)), what, "");
        try {
            return Json.mapper().treeToValue(node, type);
        } catch (MismatchedInputException e) {
            String field = e.getPath().stream()
                    .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                    .collect(Collectors.joining("."));
            String expected = e instanceof InvalidFormatException ife
                    ? " (expected " + ife.getTargetType().getSimpleName().toLowerCase() + ")"
                    : " (expected " + (e.getTargetType() == null ? "another type" : describe(e.getTargetType())) + ")";
            throw bad(what + "." + field.replace(".[", "[") + " has the wrong type" + expected);
        } catch (IOException e) {
            throw bad(what + " cannot be read: " + firstLine(e.getMessage()));
        }
    }

    private static String describe(Class<?> type) {
        if (type == List.class) {
            return "a list of strings";
        }
        return type.getSimpleName().toLowerCase();
    }

    private static JsonNode tree(byte[] json, String what) {
        if (json == null || json.length == 0) {
            throw bad(what + " is empty; send a JSON object");
        }
        try {
            JsonNode node = Json.mapper().readTree(json);
            if (node == null || !node.isObject()) {
                throw bad(what + " must be a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw bad(what + " is not valid JSON: " + firstLine(e.getMessage()));
        }
    }

    private static void checkFields(JsonNode node, Set<String> known, String what, String hint) {
        Set<String> unknown = new TreeSet<>();
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            throw bad(what + " has unknown field(s) " + unknown + "; the fields are " + known + hint);
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw bad("\"" + field + "\" must be a string");
        }
        return value.asText();
    }

    private static Map<String, String> photos(JsonNode body) {
        JsonNode value = body.get("photos");
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isObject()) {
            throw bad("\"photos\" must be an object of photo part names to object keys, e.g. {\"ada\":"
                    + " \"inputs/<jobId>/person-ada.png\"}");
        }
        Map<String, String> photos = new TreeMap<>();
        for (Iterator<String> names = value.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            photos.put(name, text(value, name));
        }
        return photos;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static ApiException bad(String message) {
        return ApiException.badRequest(ErrorCodes.BAD_SPEC, message);
    }
}
