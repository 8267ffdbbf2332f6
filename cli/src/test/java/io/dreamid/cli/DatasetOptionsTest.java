package io.dreamid.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The dataset command lines become the build's spec and the export's folder, and mistakes are named. */
class DatasetOptionsTest {

    @TempDir
    Path dir;

    @Test
    void buildReadsTheListsAndTheOptions() throws IOException {
        Path names = Files.writeString(dir.resolve("names.txt"), "# people\nAda Lovelace\n\n  Alan Turing  \n");
        Path edits = Files.writeString(dir.resolve("edits.txt"), "{name} as a chef\n# not this\n");
        DatasetOptions o = DatasetOptions.parse(new String[] {"build", "--names", names.toString(), "--edits",
                edits.toString(), "--portraits", "2", "--images", "3", "--steps", "20", "--seed", "7",
                "--max-distance", "0.5", "--width", "256", "--height", "256", "--guidance", "6",
                "--scheduler", "ddim", "--portrait-prompt", "a portrait of {name}"});

        assertThat(o.spec()).containsEntry("portraitsPerName", 2).containsEntry("imagesPerEdit", 3)
                .containsEntry("steps", 20).containsEntry("seed", 7L).containsEntry("maxDistance", 0.5)
                .containsEntry("width", 256).containsEntry("guidanceScale", 6.0).containsEntry("scheduler", "ddim")
                .containsEntry("portraitPrompt", "a portrait of {name}");
        assertThat(DatasetCommand.lines(o.names(), "--names")).containsExactly("Ada Lovelace", "Alan Turing");
        assertThat(DatasetCommand.lines(o.edits(), "--edits")).containsExactly("{name} as a chef");
    }

    @Test
    void exportNeedsAnIdAndAFolder() {
        DatasetOptions o = DatasetOptions.parse(new String[] {"export", "ds-1", "--out", dir.toString()});
        assertThat(o.datasetId()).isEqualTo("ds-1");
        assertThat(o.outDir()).isEqualTo(dir);
        assertThatThrownBy(() -> DatasetOptions.parse(new String[] {"export", "ds-1"}))
                .isInstanceOf(UsageException.class).hasMessageContaining("--out");
        assertThatThrownBy(() -> DatasetOptions.parse(new String[] {"export", "--out", "x"}))
                .isInstanceOf(UsageException.class).hasMessageContaining("dataset id");
    }

    @Test
    void mistakesAreNamed() throws IOException {
        Path empty = Files.writeString(dir.resolve("empty.txt"), "# nothing\n");
        assertThatThrownBy(() -> DatasetOptions.parse(new String[] {"build", "--names", "x"}))
                .isInstanceOf(UsageException.class).hasMessageContaining("--edits");
        assertThatThrownBy(() -> DatasetOptions.parse(new String[] {"make"}))
                .isInstanceOf(UsageException.class).hasMessageContaining("build, export or show");
        assertThatThrownBy(() -> DatasetOptions.parse(new String[] {"build", "--names", empty.toString(), "--edits",
                empty.toString(), "--images", "many"})).isInstanceOf(UsageException.class)
                .hasMessageContaining("--images");
        assertThatThrownBy(() -> DatasetCommand.lines(empty, "--names")).isInstanceOf(UsageException.class)
                .hasMessageContaining("no entries");
    }
}
