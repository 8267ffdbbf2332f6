package io.dreamid.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.dreamid.testsupport.PngText;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The kinds of jobs beyond one person from one photo (issue 15), through all services, as a user submits them. */
class JobKindsE2EIT {
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(3);

    private static Platform platform;
    private static GatewayApi api;

    @BeforeAll
    static void startPlatform() {
        platform = Platform.shared();
        api = new GatewayApi(platform.gateway(), Platform.API_KEY);
    }

    @Test
    void aTextOnlyJobSubmittedWithCurlEndsSucceededWithItsImages() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl is not installed");
        String spec = "{\"prompts\": [\"a lighthouse at dusk\", \"a bowl of fruit\"], \"imagesPerPrompt\": 2,"
                + " \"steps\": 3, \"width\": 64, \"height\": 64, \"seed\": 5, \"scheduler\": \"euler\"}";
        String accepted = curl("-H", "X-API-Key: " + Platform.API_KEY, "-F", "spec=" + spec + ";type=application/json",
                platform.gateway().resolve("/v1/jobs").toString());
        String jobId = GatewayApi.json(accepted).path("jobId").asText();
        assertThat(jobId).as(accepted).isNotEmpty();

        JsonNode job = api.awaitTerminal(jobId, JOB_TIMEOUT);

        assertThat(job.path("status").asText()).as(job.toString()).isEqualTo("SUCCEEDED");
        assertThat(job.path("identityId").isMissingNode() || job.path("identityId").isNull()).isTrue();
        assertThat(job.path("images")).hasSize(4);
        List<String> stages = new ArrayList<>();
        job.path("timings").fieldNames().forEachRemaining(stages::add);
        assertThat(stages).as("no face was looked for, nothing encoded").noneMatch(k -> k.startsWith("face."))
                .noneMatch(k -> k.startsWith("encoder.backbone")).contains("diffusion.denoise");
        byte[] png = api.bytes(job.path("images").get(3).path("url").asText());
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(image.getWidth()).isEqualTo(64);
        Map<String, String> text = PngText.read(png);
        assertThat(text.get("prompt")).isEqualTo("a bowl of fruit");
        assertThat(text.get("parameters")).contains("seed=5", "image_index=1", "scheduler=euler");
        assertThat(text.get("identity")).isEmpty();
    }

    @Test
    void aTwoPersonJobOfTwoLibraryIdentitiesEndsSucceededAndItsPngNamesBoth() throws IOException {
        // With bestOf 2: the judge chooses each image among its candidates by the worst person's score.
        // Two identities from the one test photo: it and its mirror image align to different crops.
        byte[] photo = FacePhotos.graceHopper();
        String ada = encode(photo);
        String grace = encode(FacePhotos.mirrored(photo));
        assertThat(ada).isNotEqualTo(grace);

        var accepted = api.submitJson("{\"spec\": {\"prompts\": [\"{id:ada} and {id:grace} having tea\"],"
                + " \"people\": {\"ada\": \"" + ada + "\", \"grace\": \"" + grace + "\"}, \"steps\": 2,"
                + " \"width\": 64, \"height\": 64, \"seed\": 4, \"bestOf\": 2}}");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String jobId = GatewayApi.json(accepted.body()).path("jobId").asText();
        JsonNode job = api.awaitTerminal(jobId, JOB_TIMEOUT);

        assertThat(job.path("status").asText()).as(job.toString()).isEqualTo("SUCCEEDED");
        byte[] png = api.bytes(job.path("images").get(0).path("url").asText());
        assertThat(PngText.read(png).get("identity")).isEqualTo("ada=" + ada + ", grace=" + grace);
        assertThat(PngText.read(png).get("prompt")).isEqualTo("{id:ada} and {id:grace} having tea");

        JsonNode judged = api.await(jobId, JOB_TIMEOUT, j -> MainJobE2EIT.everyImageJudged(j)
                && j.path("images").get(0).path("identity").path("chosen").asBoolean(false));
        JsonNode image = judged.path("images").get(0);
        assertThat(image.path("candidates")).as(image.toString()).hasSize(1);
        assertThat(image.path("identity").path("people").has("ada")).as(image.toString()).isTrue();
        assertThat(image.path("identity").path("people").has("grace")).isTrue();
        // The tiny bundle's images show no face: neither candidate keeps anyone, so candidate 0 is the choice.
        assertThat(image.path("candidate").asInt(-1)).isZero();
    }

    @Test
    void aTwoPersonJobWithTwoPhotoPartsSubmittedWithCurlEndsSucceededAndItsPngNamesBoth() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl is not installed");
        byte[] photo = FacePhotos.graceHopper();
        Path dir = Files.createTempDirectory("dreamid-two-people");
        Path ada = Files.write(dir.resolve("ada.jpg"), photo);
        Path grace = Files.write(dir.resolve("grace.png"), FacePhotos.mirrored(photo));
        String spec = "{\"prompts\": [\"{id:ada} and {id:grace} having tea\", \"{id:grace} alone\"], \"steps\": 2,"
                + " \"width\": 64, \"height\": 64, \"seed\": 6}";
        String accepted = curl("-H", "X-API-Key: " + Platform.API_KEY, "-F", "spec=" + spec + ";type=application/json",
                "-F", "photo:ada=@" + ada, "-F", "photo:grace=@" + grace,
                platform.gateway().resolve("/v1/jobs").toString());
        String jobId = GatewayApi.json(accepted).path("jobId").asText();
        assertThat(jobId).as(accepted).isNotEmpty();

        JsonNode job = api.awaitTerminal(jobId, JOB_TIMEOUT);

        assertThat(job.path("status").asText()).as(job.toString()).isEqualTo("SUCCEEDED");
        assertThat(job.path("spec").path("people").path("ada").asText()).isEqualTo("photo:ada");
        List<String> timings = new ArrayList<>();
        job.path("timings").fieldNames().forEachRemaining(timings::add);
        assertThat(timings).as("both photos were detected and encoded").contains("face.detect", "encoder.backbone");
        // The identity of a photo part is the one POST /v1/identities makes of the same photo (ids derive from the
        // aligned crop and the encoder version): each person's words come from their own photo.
        String adaId = encode(photo);
        String graceId = encode(FacePhotos.mirrored(photo));
        byte[] png = api.bytes(job.path("images").get(0).path("url").asText());
        assertThat(PngText.read(png).get("identity")).isEqualTo("ada=" + adaId + ", grace=" + graceId);
        assertThat(PngText.read(api.bytes(job.path("images").get(1).path("url").asText())).get("prompt"))
                .isEqualTo("{id:grace} alone");

        // The identity judge scores each person (the tiny bundle's images have no face: nobody is found).
        JsonNode judged = api.await(jobId, JOB_TIMEOUT, MainJobE2EIT::everyImageJudged);
        for (JsonNode image : judged.path("images")) {
            JsonNode identity = image.path("identity");
            assertThat(identity.path("faceFound").asBoolean(true)).as(image.toString()).isFalse();
            assertThat(identity.path("people").path("ada").path("faceFound").isBoolean()).as(image.toString()).isTrue();
            assertThat(identity.path("people").path("grace").path("faceFound").asBoolean(true)).isFalse();
        }
    }

    private static String encode(byte[] photo) {
        var accepted = api.submitIdentity(photo, "face.jpg");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        JsonNode job = api.awaitTerminal(GatewayApi.json(accepted.body()).path("jobId").asText(), JOB_TIMEOUT);
        assertThat(job.path("status").asText()).as(job.toString()).isEqualTo("SUCCEEDED");
        return job.path("identityId").asText();
    }

    @Test
    void aPromptThatNamesSomeoneWithoutAPhotoIsRefusedAtSubmission() {
        var refused = api.submitJson("{\"spec\": {\"prompts\": [\"a photo of {id}\"]}}");

        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(GatewayApi.json(refused.body()).path("message").asText()).contains("exactly one of");
    }

    private static String curl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("/usr/bin/curl", "-sS", "--max-time", "30"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(40, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(new String(out, StandardCharsets.UTF_8)).isZero();
        return new String(out, StandardCharsets.UTF_8);
    }
}
