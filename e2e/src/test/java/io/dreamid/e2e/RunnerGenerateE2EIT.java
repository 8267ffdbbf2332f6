package io.dreamid.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ./dreamid generate} as a user runs it, on a state folder of its own: a mistake on the command line is
 * reported with the CLI's exit status before the runner starts anything (not after the 40 s a platform takes).
 * The CLI jar is the one the reactor built before this module, so the runner does not build it again. (A whole
 * generation through the CLI against running services is {@code MainJobE2EIT}.)
 */
class RunnerGenerateE2EIT {

    private static final List<String> PORT_NAMES = List.of("KAFKA", "KAFKA_CONTROLLER", "S3", "GATEWAY", "FACE",
            "ENCODER", "DIFFUSION");
    /** Below the ephemeral range, above the runner's defaults (8080-8093, 19000-19093). */
    private static final int PORT_BASE = 21_000 + (int) (ProcessHandle.current().pid() % 500) * 10;

    @TempDir
    Path state;

    @Test
    void aMissingPhotoIsReportedBeforeThePlatformStarts() throws Exception {
        Path missing = state.resolve("no-such-photo.jpg");

        Result result = dreamid("generate", "--face", missing.toString(), "--prompt", "a photo of {id} as an astronaut",
                "--out", state.resolve("out").toString());

        assertThat(result.exitCode()).as(result.output()).isEqualTo(2);
        assertThat(result.output()).contains("no-such-photo.jpg");
        assertThat(state.resolve("run")).as("no process was started").satisfiesAnyOf(
                run -> assertThat(run).doesNotExist(),
                run -> assertThat(run).isEmptyDirectory());
        assertThat(state.resolve("data")).doesNotExist();
    }

    /** Whatever a failing check may have started is stopped (on this test's own state folder and ports). */
    @AfterEach
    void down() throws Exception {
        if (Files.isDirectory(state.resolve("run"))) {
            dreamid("down");
        }
    }

    private record Result(int exitCode, String output) {
    }

    private Result dreamid(String... args) throws IOException, InterruptedException {
        Path root = Path.of("").toAbsolutePath();
        if (!Files.exists(root.resolve("mvnw"))) {
            root = root.getParent();
        }
        List<String> command = new java.util.ArrayList<>(List.of(root.resolve("dreamid").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true);
        builder.environment().put("DREAMID_STATE_DIR", state.toString());
        // Ports of its own, should a regression start the platform: never the default ones another may use.
        for (String port : PORT_NAMES) {
            builder.environment().put("DREAMID_" + port + "_PORT", String.valueOf(PORT_BASE + PORT_NAMES.indexOf(port)));
        }
        Process process = builder.start();
        process.getOutputStream().close();
        byte[] output;
        try (InputStream in = process.getInputStream()) {
            output = in.readAllBytes();
        }
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("./dreamid " + String.join(" ", args) + " did not finish");
        }
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }
}
