package io.dreamid.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The generate command line becomes the job spec the gateway expects, and mistakes are named. */
class GenerateOptionsTest {

    @TempDir
    Path dir;

    @Test
    void buildsTheSpecFromTheOptions() throws IOException {
        Path photo = Files.write(dir.resolve("me.jpg"), new byte[] {1});
        GenerateOptions o = GenerateOptions.parse(new String[] {"--face", photo.toString(),
                "--prompt", "a photo of {id} as an astronaut", "--prompt", "{id} as a chef",
                "--negative", "blurry", "--images", "2", "--best-of", "3", "--steps", "20", "--seed", "42", "--guidance", "6.5",
                "--width", "256", "--height", "320", "--scheduler", "ddim", "--face-choice", "index:1",
                "--out", dir.resolve("out").toString()});

        assertThat(o.spec()).containsEntry("prompts", List.of("a photo of {id} as an astronaut", "{id} as a chef"))
                .containsEntry("negativePrompt", "blurry").containsEntry("imagesPerPrompt", 2)
                .containsEntry("steps", 20).containsEntry("seed", 42L).containsEntry("guidanceScale", 6.5)
                .containsEntry("width", 256).containsEntry("height", 320).containsEntry("scheduler", "ddim")
                .containsEntry("face", "index:1").containsEntry("bestOf", 3);
        assertThat(o.outDir()).isEqualTo(dir.resolve("out"));
    }

    @Test
    void namesWhatIsWrong() {
        assertThatThrownBy(() -> GenerateOptions.parse(new String[] {"--prompt", "{id}"}))
                .hasMessageContaining("--face PHOTO or --identity ID");
        assertThatThrownBy(() -> GenerateOptions.parse(new String[] {"--face", dir.resolve("none.jpg").toString(),
                "--prompt", "{id}"})).hasMessageContaining("no such file");
        assertThatThrownBy(() -> GenerateOptions.parse(new String[] {"--identity", "abc"}))
                .hasMessageContaining("--prompt");
        assertThatThrownBy(() -> GenerateOptions.parse(new String[] {"--identity", "abc", "--prompt", "{id}",
                "--steps", "many"})).hasMessageContaining("--steps").hasMessageContaining("many");
        assertThatThrownBy(() -> GenerateOptions.parse(new String[] {"--identity", "abc", "--prompt"}))
                .hasMessageContaining("--prompt needs a value");
    }

    @Test
    void unreachableGatewayIsExplainedWithExitCode3() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        // Port 9 (discard) on loopback: nothing listens there on these machines.
        int code = Main.run(new String[] {"job", "some-job", "--gateway", "http://127.0.0.1:9", "--api-key", "k"},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(code).isEqualTo(Main.GATEWAY_ERROR);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot reach the gateway").contains("./dreamid up");
    }

    @Test
    void unknownCommandIsAUsageError() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"paint"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(Main.USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown command \"paint\"");
    }
}
