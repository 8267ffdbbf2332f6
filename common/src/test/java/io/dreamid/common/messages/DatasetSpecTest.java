package io.dreamid.common.messages;

import io.dreamid.common.json.Json;
import io.dreamid.common.json.MalformedMessageException;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A dataset build's spec refuses what would make jobs or a dataset the trainer cannot read, each with its fix. */
class DatasetSpecTest {
    private static DatasetSpec spec(List<String> names, List<String> edits) {
        return new DatasetSpec(names, edits, null, null, null, 64, 64, 2, null, null, 1L, null);
    }

    @Test
    void aSmallBuildIsValidAndItsDefaultsAreFilledIn() {
        DatasetSpec s = spec(List.of("Ada Lovelace"), List.of("{name} as a chef")).withDefaults();

        assertThat(s.problems()).isEmpty();
        assertThat(s.portraitPrompt()).contains(DatasetSpec.NAME);
        assertThat(s.maxDistance()).isEqualTo(0.6);
        assertThat(DatasetSpec.fill(s.editPrompts().get(0), "Ada Lovelace")).isEqualTo("Ada Lovelace as a chef");
        JobSpec job = s.jobSpec("Ada Lovelace as a chef", 2, 9L);
        assertThat(job.problems(false)).isEmpty();
    }

    @Test
    void templatesNeedTheNameOnceAndNoIdPlaceholder() {
        assertThat(spec(List.of("Ada"), List.of("a chef")).problems()).anyMatch(p -> p.contains("editPrompts[0]"));
        assertThat(spec(List.of("Ada"), List.of("{name} and {name}")).problems())
                .anyMatch(p -> p.contains("2 times"));
        assertThat(spec(List.of("Ada"), List.of("{id} as {name}")).problems()).anyMatch(p -> p.contains("not {id}"));
        assertThat(spec(List.of(), List.of("{name}")).problems()).anyMatch(p -> p.startsWith("names"));
        assertThat(spec(List.of("A{b}"), List.of("{name}")).problems()).anyMatch(p -> p.contains("braces"));
    }

    @Test
    void sizesAreMultiplesOf16AndDistancesPositive() {
        DatasetSpec s = new DatasetSpec(List.of("Ada"), List.of("{name}"), null, 9, 0, 72, 64, 0, "fast", null, -1L,
                0.0);
        assertThat(s.problems()).anyMatch(p -> p.startsWith("width"))
                .anyMatch(p -> p.startsWith("portraitsPerName")).anyMatch(p -> p.startsWith("imagesPerEdit"))
                .anyMatch(p -> p.startsWith("steps")).anyMatch(p -> p.startsWith("scheduler"))
                .anyMatch(p -> p.startsWith("seed")).anyMatch(p -> p.startsWith("maxDistance"));
    }

    @Test
    void aMessageWithoutSeedOrWithAJobIdIsMalformed() {
        Instant at = Instant.parse("2026-12-03T09:00:00Z");
        DatasetSpec good = spec(List.of("Ada"), List.of("{name} as a chef")).withDefaults();
        DatasetMessage ok = DatasetMessage.of("ds-1", "local", at, good);
        assertThat(DatasetMessage.read(Json.toBytes(ok))).isEqualTo(ok);
        assertThatThrownBy(() -> DatasetMessage.read(Json.toBytes(DatasetMessage.of("job-1", "local", at, good))))
                .isInstanceOf(MalformedMessageException.class).hasMessageContaining("ds-");
        assertThatThrownBy(() -> DatasetMessage.read(Json.toBytes(DatasetMessage.of("ds-1", "local", at,
                new DatasetSpec(List.of("Ada"), List.of("{name}"), "{name}", 1, 1, 64, 64, 2, null, 7.5, null, 0.6))))).isInstanceOf(MalformedMessageException.class);
    }
}
