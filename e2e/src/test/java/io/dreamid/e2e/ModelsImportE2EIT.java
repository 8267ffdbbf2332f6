package io.dreamid.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A user brings their own Stable Diffusion export (diffusers' ONNX converter, no manifest.json) and imports it as
 * the local runner does (common's ModelsImport on the diffusion-service's built classpath): a broken export is
 * refused and the platform keeps working; the good one is uploaded, the diffusion-service restarts on it from
 * storage, and a job with a face runs on it end to end.
 */
class ModelsImportE2EIT {
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(3);

    private static Platform platform;
    private static GatewayApi api;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startPlatform() {
        platform = Platform.shared();
        api = new GatewayApi(platform.gateway(), Platform.API_KEY);
    }

    @Test
    void aUsersExportIsRefusedWhenBrokenAndRunsJobsOnceImported() throws Exception {
        Path export = usersExport(tmp.resolve("export"));
        Path broken = usersExport(tmp.resolve("broken"));
        byte[] unet = Files.readAllBytes(broken.resolve("unet/model.onnx"));
        Files.write(broken.resolve("unet/model.onnx"), Arrays.copyOf(unet, unet.length / 3));
        Path servicesEnv = tmp.resolve("services.env");

        ModelsImportCommand.Result refused = ModelsImportCommand.run(platform, "diffusion-service", "--diffusion",
                broken.toString(), "--name", "sd-broken", "--version", "1",
                "--services-env", servicesEnv.toString());

        assertThat(refused.exit()).as(refused.output()).isEqualTo(4);
        assertThat(refused.output()).contains("refused, diffusion-service cannot load", "unet/model.onnx");
        assertThat(servicesEnv).doesNotExist();

        ModelsImportCommand.Result imported = ModelsImportCommand.run(platform, "diffusion-service", "--diffusion",
                export.toString(), "--name", "sd-user", "--version", "1",
                "--services-env", servicesEnv.toString());

        assertThat(imported.exit()).as(imported.output()).isZero();
        Map<String, String> settings = ModelsImportCommand.settings(servicesEnv);
        assertThat(settings).containsEntry("DREAMID_DIFFUSION_BUNDLE_NAME", "sd-user")
                .containsEntry("DREAMID_DIFFUSION_BUNDLE_VERSION", "1");

        platform.restart("diffusion-service", settings);
        try {
            assertThat(platform.log("diffusion-service")).contains("loaded Stable Diffusion bundle sd-user/1");
            aJobWithAFaceSucceeds();
        } finally {
            // The other end-to-end tests share the platform and expect its built-in bundle.
            platform.restart("diffusion-service", Map.of());
        }
    }

    private static void aJobWithAFaceSucceeds() throws IOException {
        byte[] face;
        try (InputStream in = ModelsImportE2EIT.class.getResourceAsStream("/faces/grace_hopper.jpg")) {
            face = in.readAllBytes();
        }
        HttpResponse<String> accepted = api.submitPhoto(face, "grace.jpg", "{\"prompts\":[\"a photo of {id} riding"
                + " a horse on mars\"],\"imagesPerPrompt\":1,\"steps\":3,\"width\":64,\"height\":64,\"seed\":42}");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        JsonNode job = api.awaitTerminal(GatewayApi.json(accepted.body()).path("jobId").asText(), JOB_TIMEOUT);
        assertThat(job.path("status").asText()).as(job.toString()).isEqualTo("SUCCEEDED");
        assertThat(job.path("images")).hasSize(1);
    }

    /** The built-in bundle's exported files only: an export as diffusers' converter writes it. */
    private static Path usersExport(Path target) throws IOException {
        Path builtIn = platform.repoRoot().resolve("diffusion-service/src/main/resources/bundles/sd-real-arch-tiny");
        try (Stream<Path> paths = Files.walk(builtIn)) {
            for (Path p : paths.filter(Files::isRegularFile).toList()) {
                String name = p.getFileName().toString();
                if (List.of("manifest.json", "random_weights.txt", "PROVENANCE.md").contains(name)) {
                    continue;
                }
                Path copy = target.resolve(builtIn.relativize(p).toString());
                Files.createDirectories(copy.getParent());
                Files.copy(p, copy);
            }
        }
        return target;
    }
}
