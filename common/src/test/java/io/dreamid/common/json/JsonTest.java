package io.dreamid.common.json;

import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.ErrorInfo;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.JobMessage;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.Stage;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Messages survive the wire unchanged, and anything unreadable becomes one exception type the stages dead-letter. */
class JsonTest {
    private static final Instant AT = Instant.parse("2026-11-26T16:00:00.123Z");

    @Test
    void roundTripsAMessage() {
        JobEvent event = new JobEvent(1, "j1:diffusion:succeeded", "j1", "local", Stage.DIFFUSION,
                JobStatus.SUCCEEDED, 1.0, Map.of("diffusion.denoise", 900L), null, List.of("outputs/j1/0-0.png"),
                "id1", new JobSpec(List.of("{id}"), null, null, 20, null, 7L, null, null, null, null), AT);

        assertThat(Json.readMessage(Json.toBytes(event), JobEvent.class)).isEqualTo(event);
    }

    @Test
    void writesIsoInstantsAndOmitsAbsentFields() {
        String json = Json.toString(JobEvent.failed("j1", "local", Stage.FACE, ErrorInfo.of(ErrorCodes.NO_FACE, "none"),
                null, AT));

        assertThat(json).contains("\"at\":\"2026-11-26T16:00:00.123Z\"")
                .contains("\"error\":{\"code\":\"NO_FACE\",\"message\":\"none\"}")
                .doesNotContain("identityId")
                .doesNotContain("null");
    }

    @Test
    void ignoresFieldsAddedByANewerProducer() {
        String json = "{\"schemaVersion\":1,\"jobId\":\"j1\",\"tenant\":\"t\",\"createdAt\":\"2026-11-26T16:00:00Z\","
                + "\"identityId\":\"i1\",\"spec\":{\"prompts\":[\"{id}\"],\"sharpness\":3},\"priority\":\"high\"}";

        JobMessage job = Json.readMessage(json.getBytes(StandardCharsets.UTF_8), JobMessage.class);

        assertThat(job.identityId()).isEqualTo("i1");
        assertThat(job.spec().prompts()).containsExactly("{id}");
    }

    @Test
    void refusesWhatIsNotJson() {
        assertThatThrownBy(() -> read("photo.jpg"))
                .isInstanceOf(MalformedMessageException.class).hasMessageStartingWith("not JSON");
        assertThatThrownBy(() -> Json.readMessage(new byte[0], JobMessage.class))
                .isInstanceOf(MalformedMessageException.class).hasMessageContaining("empty message");
        assertThatThrownBy(() -> read("[1,2]"))
                .isInstanceOf(MalformedMessageException.class).hasMessageContaining("expected a JSON object");
    }

    @Test
    void refusesOtherSchemaVersions() {
        assertThatThrownBy(() -> read("{\"schemaVersion\":3,\"jobId\":\"j1\"}"))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessage("schemaVersion 3 is not supported (this service reads 1 to 2)");
        assertThatThrownBy(() -> read("{\"schemaVersion\":\"1\",\"jobId\":\"j1\"}"))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessage("schemaVersion must be an integer, got \"1\"");
        assertThatThrownBy(() -> read("{\"schemaVersion\":1.5}"))
                .isInstanceOf(MalformedMessageException.class).hasMessageContaining("must be an integer");
        assertThatThrownBy(() -> read("{\"jobId\":\"j1\"}"))
                .isInstanceOf(MalformedMessageException.class).hasMessageContaining("missing field schemaVersion");
    }

    @Test
    void refusesAShapeThatDoesNotFit() {
        assertThatThrownBy(() -> Json.readMessage(
                "{\"schemaVersion\":1,\"jobId\":\"j1\",\"status\":\"DONE\"}".getBytes(StandardCharsets.UTF_8),
                JobEvent.class))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("does not fit JobEvent")
                .hasMessageContaining("DONE");
    }

    private static JobMessage read(String text) {
        return Json.readMessage(text.getBytes(StandardCharsets.UTF_8), JobMessage.class);
    }
}
