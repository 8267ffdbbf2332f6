package io.dreamid.common.messages;

import com.fasterxml.jackson.databind.JsonNode;
import io.dreamid.common.json.Json;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The example job that common/README.md gives other systems is valid and reads as a JobMessage. */
class ReadmeExampleTest {

    @Test
    void exampleJobIsValid() throws IOException {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        int marker = readme.indexOf("<!-- example: job -->");
        assertThat(marker).as("example marker in common/README.md").isNotNegative();
        int start = readme.indexOf("```json\n", marker) + "```json\n".length();
        String example = readme.substring(start, readme.indexOf("```", start));
        JsonNode json = Json.mapper().readTree(example);

        assertThat(MessageSchemas.validate("job.schema.json", json)).isEmpty();
        JobMessage job = Json.readMessage(example.getBytes(StandardCharsets.UTF_8), JobMessage.class);
        assertThat(job.spec().problems(true)).isEmpty();
        assertThat(job.photoRef()).isEqualTo("inputs/" + job.jobId() + "/photo.jpg");
    }
}
