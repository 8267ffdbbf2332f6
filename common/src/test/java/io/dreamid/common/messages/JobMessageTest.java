package io.dreamid.common.messages;

import io.dreamid.common.json.MalformedMessageException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A job message from another system must name its job and its tenant (schemas/job.schema.json requires both). */
class JobMessageTest {
    private static final String SPEC = "\"spec\":{\"prompts\":[\"a photo of {id}\"]}";

    @Test
    void aCompleteMessageIsRead() {
        JobMessage job = JobMessage.read(bytes("{\"schemaVersion\":1,\"jobId\":\"j-1\",\"tenant\":\"t\","
                + "\"createdAt\":\"2026-01-01T00:00:00Z\",\"photoRef\":\"inputs/j-1/photo.jpg\"," + SPEC + "}"));

        assertThat(job.jobId()).isEqualTo("j-1");
        assertThat(job.tenant()).isEqualTo("t");
    }

    @Test
    void aMessageWithoutTenantBelongsToNobodyAndIsRefused() {
        assertThatThrownBy(() -> JobMessage.read(bytes("{\"schemaVersion\":1,\"jobId\":\"j-2\","
                + "\"photoRef\":\"inputs/j-2/photo.jpg\"," + SPEC + "}")))
                .isInstanceOf(MalformedMessageException.class).hasMessageContaining("missing field tenant");
        assertThatThrownBy(() -> JobMessage.read(bytes("{\"schemaVersion\":1,\"jobId\":\"j-2\",\"tenant\":\" \","
                + SPEC + "}")))
                .isInstanceOf(MalformedMessageException.class).hasMessageContaining("missing field tenant");
    }

    @Test
    void aMessageWithoutJobIdIsRefused() {
        assertThatThrownBy(() -> JobMessage.read(bytes("{\"schemaVersion\":1,\"tenant\":\"t\"," + SPEC + "}")))
                .isInstanceOf(MalformedMessageException.class).hasMessageContaining("missing field jobId");
    }

    private static byte[] bytes(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
