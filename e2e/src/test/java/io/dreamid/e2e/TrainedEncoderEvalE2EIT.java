package io.dreamid.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A trained encoder bundle (what {@code ./dreamid train} writes) imported as {@code ./dreamid models import --encoder}
 * does serves identity jobs end to end, and {@code dreamid eval} reports the built-in and the trained bundle side by
 * side; on the tiny models the judge finds no face in any output, and the report says so (rate 0, no similarity).
 */
class TrainedEncoderEvalE2EIT {
    private static final String BUILT_IN = "tiny-random-1";

    private static Platform platform;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startPlatform() {
        platform = Platform.shared();
    }

    @Test
    void aTrainedBundleServesJobsAndIsEvaluatedBesideTheBuiltInOne() throws Exception {
        Path faces = Files.createDirectories(tmp.resolve("faces"));
        try (InputStream in = TrainedEncoderEvalE2EIT.class.getResourceAsStream("/faces/grace_hopper.jpg")) {
            Files.copy(in, faces.resolve("grace.jpg"));
        }
        Path prompts = Files.writeString(tmp.resolve("prompts.txt"),
                "# two prompts\n[accessories]\na photo of {id} wearing sunglasses\n[places]\n{id} on the moon\n");
        Path report = tmp.resolve("report");

        assertThat(eval(faces, prompts, report, BUILT_IN)).isZero();

        Path trained = trainedBundle();
        String version = new ObjectMapper().readTree(trained.resolve("encoder.json").toFile()).path("version").asText();
        assertThat(version).startsWith("trained-");
        Path servicesEnv = tmp.resolve("services.env");
        ModelsImportCommand.Result imported = ModelsImportCommand.run(platform, "encoder-service", "--encoder",
                trained.toString(), "--name", "encoder-trained", "--version", "1", "--services-env",
                servicesEnv.toString());
        assertThat(imported.exit()).as(imported.output()).isZero();
        Map<String, String> settings = new HashMap<>(ModelsImportCommand.settings(servicesEnv));
        assertThat(settings).containsEntry("DREAMID_ENCODER_BUNDLE_REF", "models/encoder-trained/1/");
        // the platform's encoder otherwise reads the tiny bundle from a folder, which wins over a stored bundle
        settings.put("DREAMID_ENCODER_BUNDLE_PATH", "");
        platform.restart("encoder-service", settings);
        try {
            assertThat(platform.log("encoder-service")).contains("encoder bundle " + version + " loaded");
            assertThat(eval(faces, prompts, report, version)).isZero();
        } finally {
            // The other end-to-end tests share the platform and expect the tiny bundle.
            platform.restart("encoder-service", Map.of());
        }

        JsonNode runs = new ObjectMapper().readTree(report.resolve("report.json").toFile()).path("runs");
        for (String label : new String[] {BUILT_IN, version}) {
            JsonNode run = runs.path(label);
            assertThat(run.path("overall").path("images").asInt()).as(label).isEqualTo(2);
            assertThat(run.path("overall").path("judged").asInt()).as(label + ": every image judged").isEqualTo(2);
            assertThat(run.path("overall").path("detectionRate").asDouble()).as(label).isZero();
            assertThat(run.path("overall").path("meanSimilarity").isNull()).as(label).isTrue();
            assertThat(run.path("note").asText()).contains("found no face in any output image");
            assertThat(run.path("perPerson").path("grace").path("images").asInt()).isEqualTo(2);
            assertThat(run.path("perCategory").fieldNames()).toIterable().containsExactly("accessories", "places");
            assertThat(report.resolve("images/" + label + "/grace/p1-0.png")).isRegularFile();
        }
        assertThat(Files.readString(report.resolve("report.html")))
                .contains("<th colspan=\"4\">" + BUILT_IN + "</th><th colspan=\"4\">" + version + "</th>");
        assertThat(report.resolve("similarity-by-person.png")).isRegularFile();
        assertThat(report.resolve("detection-by-prompt.png")).isRegularFile();
    }

    private static int eval(Path faces, Path prompts, Path out, String label) {
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        int code = io.dreamid.cli.Main.run(new String[] {"eval", "--faces", faces.toString(), "--prompts",
                prompts.toString(), "--out", out.toString(), "--label", label, "--images", "1", "--steps", "2",
                "--width", "64", "--height", "64", "--gateway", platform.gateway().toString(), "--api-key",
                Platform.API_KEY}, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(stderr, true, StandardCharsets.UTF_8));
        assertThat(stderr.toString(StandardCharsets.UTF_8)).as("eval's messages").doesNotContain("not every image");
        return code;
    }

    /**
     * The trained tiny bundle of this module's resources (made by {@code ./dreamid train}, see its README) with the
     * tiny bundle's backbone, which training leaves unchanged (its SHA-256 is in the bundle's manifest).
     */
    private Path trainedBundle() throws Exception {
        Path bundle = Files.createDirectories(tmp.resolve("trained"));
        for (String file : new String[] {"encoder.json", "projection.safetensors", "training-card.json",
            "loss-curve.png", "manifest.json"}) {
            try (InputStream in = TrainedEncoderEvalE2EIT.class.getResourceAsStream("/bundles/trained-tiny/" + file)) {
                Files.copy(in, bundle.resolve(file));
            }
        }
        Files.copy(platform.repoRoot().resolve("encoder-service/src/test/resources/bundles/tiny/backbone.onnx"),
                bundle.resolve("backbone.onnx"));
        return bundle;
    }
}
