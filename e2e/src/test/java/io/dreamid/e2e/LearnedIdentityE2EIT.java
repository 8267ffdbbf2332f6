package io.dreamid.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.image.SafeImageDecoder;
import io.dreamid.encoder.bundle.BuiltInBundle;
import io.dreamid.trainer.TestModels;
import io.dreamid.trainer.bench.TwoPeopleLearning;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loop closed through the platform: an encoder trained (the trainer, from the built-in dlib bundle) on the two
 * test people's faces with edited images the learning tiny model made from two name prompts, then served by the
 * encoder-service beside that model in the diffusion-service, gives each person's photo images that look like the
 * images of that person's name, not the other's. The photos go through the face-service (detection, dlib chip), the
 * words through Kafka and S3 like any job's; the names' images are plain text-to-image jobs of the same platform.
 */
class LearnedIdentityE2EIT {
    private static final Duration JOB_TIMEOUT = Duration.ofSeconds(90);
    /** The targets' generation settings in TwoPeopleLearning: 8 steps, guidance 7.5, 64 x 64, seed 100 + prompt. */
    private static final String SETTINGS = "\"steps\": 8, \"guidanceScale\": 7.5, \"width\": 64, \"height\": 64,"
            + " \"seed\": 100";
    private static final String[] NAMES = {"Eileen Collins", "Grace Hopper"};

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
    void eachPersonsPhotoGivesImagesNearerTheirOwnNamesImages() throws Exception {
        TestModels.SdModel model = TestModels.learningTiny(tmp.resolve("model"));
        Path base = BuiltInBundle.write(tmp.resolve("base"), 2, 32);
        Path run = tmp.resolve("run");
        TwoPeopleLearning.Result trained = TwoPeopleLearning.run(
                new TwoPeopleLearning.Settings(model, base, 200, 1e-2, 8, 7.5), run, System.out);
        assertThat(TwoPeopleLearning.Result.holds(trained.after())).as("the trainer's own held-out check").isTrue();

        byte[][] photos = {Files.readAllBytes(platform.repoRoot().resolve("face-service/src/test/resources/faces/astronaut.png")),
            FacePhotos.graceHopper()};
        String[] files = {"astronaut.png", "grace_hopper.jpg"};
        byte[][] names = new byte[2][];
        byte[][] generated = new byte[2][];
        platform.restart("diffusion-service", Map.of("DREAMID_DIFFUSION_BUNDLE_PATH", model.bundle().toString()));
        platform.restart("encoder-service", Map.of("DREAMID_ENCODER_BUNDLE_PATH",
                TwoPeopleLearning.trainedBundle(run).toString()));
        try {
            for (int p = 0; p < 2; p++) {
                names[p] = image(api.submitJson("{\"spec\": {\"prompts\": [\"a photo of " + NAMES[p] + "\"], " + SETTINGS
                        + "}}"));
                generated[p] = image(api.submitPhoto(photos[p], files[p],
                        "{\"prompts\": [\"a photo of {id}\"], " + SETTINGS + "}"));
            }
        } finally {
            // The other end-to-end tests share the platform and expect the tiny models.
            platform.restart("diffusion-service", Map.of());
            platform.restart("encoder-service", Map.of());
        }

        double namesDiffer = distance(names[0], names[1]);
        double[][] d = new double[2][2];
        for (int p = 0; p < 2; p++) {
            for (int q = 0; q < 2; q++) {
                d[p][q] = distance(generated[p], names[q]);
            }
        }
        String figures = String.format(Locale.ROOT, "the names' images differ by %.2f of 255; astronaut's image to"
                + " Eileen Collins' / Grace Hopper's %.2f / %.2f, grace_hopper's %.2f / %.2f", namesDiffer, d[0][0],
                d[0][1], d[1][0], d[1][1]);
        System.out.println(figures);
        assertThat(namesDiffer).as(figures).isGreaterThan(10);
        assertThat(d[0][0]).as(figures).isLessThan(d[0][1]);
        assertThat(d[1][1]).as(figures).isLessThan(d[1][0]);
    }

    /** Waits for the job and returns its one image. */
    private static byte[] image(HttpResponse<String> submitted) {
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
        String jobId = GatewayApi.json(submitted.body()).path("jobId").asText();
        JsonNode job = api.awaitTerminal(jobId, JOB_TIMEOUT);
        assertThat(job.path("status").asText()).as(job.toString()).isEqualTo("SUCCEEDED");
        assertThat(job.path("images")).hasSize(1);
        return api.bytes(job.path("images").get(0).path("url").asText());
    }

    /** TwoPeopleLearning's measure (mean absolute difference per channel, of 255) of two PNGs. */
    private static double distance(byte[] pngA, byte[] pngB) {
        return TwoPeopleLearning.distance(SafeImageDecoder.decode(pngA, ImageLimits.DEFAULT),
                SafeImageDecoder.decode(pngB, ImageLimits.DEFAULT));
    }
}
