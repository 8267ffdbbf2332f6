package io.dreamid.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** --out is checked before a job is submitted: a job whose images cannot be saved would be work thrown away. */
class OutputFolderTest {

    @Test
    void aMissingFolderIsCreatedAndLeftEmpty(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("a/b");

        GenerateCommand.prepareOutputFolder(out);

        assertThat(out).isDirectory();
        try (var files = Files.list(out)) {
            assertThat(files).as("the write probe is removed").isEmpty();
        }
    }

    @Test
    void aFileIsNotAFolder(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("images"), "x");

        assertThatThrownBy(() -> GenerateCommand.prepareOutputFolder(file))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("--out: " + file + " is a file, not a folder");
    }

    @Test
    void aFolderThatCannotBeWrittenIsNamed() {
        // /proc refuses new entries even to root, so this holds whoever runs the test.
        Path out = Path.of("/proc/dreamid-out");

        assertThatThrownBy(() -> GenerateCommand.prepareOutputFolder(out))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("--out: cannot write images into /proc/dreamid-out");
    }
}
