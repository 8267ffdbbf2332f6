package io.dreamid.common.messages;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.dreamid.common.json.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Set;

/** The committed schemas, loaded from the classpath the way another system would load them from their $id. */
final class MessageSchemas {
    static final String BASE = "https://dreamid.io/schemas/";

    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
            builder -> builder.schemaMappers(mappers -> mappers.mapPrefix(BASE, "classpath:schemas/")));
    private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder()
            .formatAssertionsEnabled(true)
            .build();

    private MessageSchemas() {
    }

    static JsonSchema schema(String file) {
        return FACTORY.getSchema(SchemaLocation.of(BASE + file), CONFIG);
    }

    static Set<ValidationMessage> validate(String file, Object record) {
        return schema(file).validate(tree(record));
    }

    static Set<ValidationMessage> validate(String file, JsonNode json) {
        return schema(file).validate(json);
    }

    static JsonNode tree(Object record) {
        try {
            return Json.mapper().readTree(Json.toBytes(record));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The raw schema document, for comparing its declarations with the records. */
    static JsonNode document(String file) {
        try (InputStream in = MessageSchemas.class.getResourceAsStream("/schemas/" + file)) {
            if (in == null) {
                throw new IllegalStateException("schema not on the classpath: schemas/" + file);
            }
            return Json.mapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
