package io.dreamid.common.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.dreamid.common.messages.SchemaVersions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The one JSON mapping of the wire messages: ISO-8601 instants, absent fields omitted, unknown fields ignored
 * (so that a newer producer's additions do not break an older consumer), and a schema version check.
 */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private Json() {
    }

    /** The shared mapper; configured once, thread-safe. Do not reconfigure it. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static byte[] toBytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String toString(Object value) {
        return new String(toBytes(value), StandardCharsets.UTF_8);
    }

    /**
     * Reads a wire message and checks its {@code schemaVersion}.
     *
     * @throws MalformedMessageException if the bytes are not JSON, lack the version, carry another version, or do
     *                                   not fit the type
     */
    public static <T> T readMessage(byte[] bytes, Class<T> type) {
        if (bytes == null || bytes.length == 0) {
            throw new MalformedMessageException("empty message where a " + type.getSimpleName() + " was expected");
        }
        JsonNode tree;
        try {
            tree = MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new MalformedMessageException("not JSON: " + firstLine(e.getMessage()), e);
        }
        if (tree == null || !tree.isObject()) {
            throw new MalformedMessageException("expected a JSON object for " + type.getSimpleName());
        }
        JsonNode version = tree.get("schemaVersion");
        if (version == null || version.isNull()) {
            throw new MalformedMessageException("missing field schemaVersion (this service reads "
                    + SchemaVersions.OLDEST_READ + " to " + SchemaVersions.CURRENT + ")");
        }
        if (!version.isIntegralNumber() || !version.canConvertToInt()) {
            throw new MalformedMessageException("schemaVersion must be an integer, got " + version);
        }
        if (version.asInt() < SchemaVersions.OLDEST_READ || version.asInt() > SchemaVersions.CURRENT) {
            throw new MalformedMessageException(
                    "schemaVersion " + version.asInt() + " is not supported (this service reads "
                            + SchemaVersions.OLDEST_READ + " to " + SchemaVersions.CURRENT + ")");
        }
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (IOException e) {
            throw new MalformedMessageException(
                    "does not fit " + type.getSimpleName() + ": " + firstLine(e.getMessage()), e);
        }
    }

    /** Reads any JSON value (a spec, a record) that carries no schema version. */
    public static <T> T read(byte[] bytes, Class<T> type) {
        try {
            return MAPPER.readValue(bytes, type);
        } catch (IOException e) {
            throw new MalformedMessageException("not a valid " + type.getSimpleName() + ": " + firstLine(e.getMessage()),
                    e);
        }
    }

    static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
