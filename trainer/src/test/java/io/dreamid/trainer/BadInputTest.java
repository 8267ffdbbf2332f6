package io.dreamid.trainer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Bad datasets, a TorchScript twin of another model and bad options are refused with a message naming the problem. */
class BadInputTest {

    @Test
    void datasetProblemsNameTheLineAndField(@TempDir Path dir) throws IOException {
        Path tiny = TestModels.resource("datasets/tiny");
        Files.createDirectories(dir.resolve("crops"));
        Files.copy(tiny.resolve("crops/person-a.png"), dir.resolve("crops/a.png"));
        String good = "{\"name\": \"a\", \"portrait\": \"crops/a.png\", \"prompt\": \"a photo of {id}\","
                + " \"image\": \"crops/a.png\", \"seed\": 1}";
        assertRefused(dir, good + "\nnot json", "line 2 is not JSON");
        assertRefused(dir, good.replace("{id}", "someone"), "line 1: the prompt \"a photo of someone\" has no {id}");
        assertRefused(dir, good.replace("\"seed\": 1", "\"seed\": \"x\""), "line 1 has no integer \"seed\"");
        assertRefused(dir, good.replace("\"image\": \"crops/a.png\"", "\"image\": \"images/missing.png\""),
                "line 1: \"image\" images/missing.png does not exist");
        assertRefused(dir, good.replace("crops/a.png\", \"prompt", "../a.png\", \"prompt"),
                "\"portrait\" ../a.png points outside the dataset folder");
        assertRefused(dir, good.replace("\"seed\": 1", "\"seed\": 1, \"chip\": \"chips/missing.png\""),
                "line 1: \"chip\" chips/missing.png does not exist");
        assertRefused(dir, "\n\n", "has no examples");
        // An editor's byte order mark and CRLF line ends are not problems: two examples, the line numbers kept.
        Files.writeString(dir.resolve(TrainingDataset.MANIFEST), "\uFEFF" + good + "\r\n\r\n" + good + "\r\n");
        assertThat(TrainingDataset.read(dir).examples()).extracting(TrainingDataset.Example::line)
                .containsExactly(1, 3);
        Files.writeString(dir.resolve("crops/bad.png"), "not an image");
        assertRefused(dir, good.replace("\"image\": \"crops/a.png\"", "\"image\": \"crops/bad.png\""),
                "line 1: the image bad.png is not a readable image");
    }

    @Test
    void aTwinOfAnotherModelIsRefused() {
        Path otherBundle = TestModels.sdBundle().resolveSibling("../../../../src/test/resources/bundles/tiny-sd1")
                .normalize();
        assertThatThrownBy(() -> TrainingBundle.check(otherBundle, TestModels.torchscript()))
                .isInstanceOf(TrainerException.class)
                .hasMessageContaining("is not the file the TorchScript twin was exported with")
                .hasMessageContaining("do not belong together");
        TrainingBundle.check(TestModels.sdBundle(), TestModels.torchscript());
    }

    @Test
    void badOptionsAreRefused() {
        assertThatThrownBy(() -> TrainerMain.parse(new String[] {"--dataset", "d", "--steps", "ten", "--out", "o",
                "--encoder", "e", "--sd", "s", "--torchscript", "t"}))
                .hasMessageContaining("--steps must be an integer");
        assertThatThrownBy(() -> TrainerMain.parse(new String[] {"--datasett", "d"}))
                .hasMessageContaining("unknown option --datasett");
        assertThatThrownBy(() -> TrainerMain.parse(new String[] {"--dataset", "d", "--steps", "10", "--out", "o"}))
                .hasMessageContaining("missing --sd");
        assertThat(TrainerMain.parse(new String[] {"--dataset", "d", "--steps", "10", "--out", "o", "--sd", "s",
                "--torchscript", "t"}).baseEncoder()).as("no --encoder: the built-in bundle").isNull();
        assertThatThrownBy(() -> TrainerMain.parse(new String[] {"--dataset", "d", "--steps", "10", "--out", "o",
                "--encoder", "e", "--sd", "s", "--torchscript", "t", "--stop-at", "11"}))
                .hasMessageContaining("--stop-at must be between 0 and --steps");
    }

    private static void assertRefused(Path dir, String manifest, String message) throws IOException {
        Files.writeString(dir.resolve(TrainingDataset.MANIFEST), manifest);
        assertThatThrownBy(() -> TrainingDataset.read(dir)).isInstanceOf(TrainerException.class)
                .hasMessageContaining(message);
    }
}
