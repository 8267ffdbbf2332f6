package io.dreamid.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.dreamid.common.Topics;
import io.dreamid.common.json.Json;
import io.dreamid.common.messages.JobMessage;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.testsupport.EmbeddedKafka;
import io.dreamid.testsupport.EmbeddedS3;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The main job through all four services on the real broker and S3 server, as a user and another system see it. */
class MainJobE2EIT {
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(3);

    private static Platform platform;
    private static GatewayApi api;
    private static byte[] face;

    @TempDir
    Path out;

    @BeforeAll
    static void startPlatform() throws IOException {
        platform = Platform.shared();
        api = new GatewayApi(platform.gateway(), Platform.API_KEY);
        try (InputStream in = MainJobE2EIT.class.getResourceAsStream("/faces/grace_hopper.jpg")) {
            face = in.readAllBytes();
        }
    }


    @Test
    void theCliTurnsAPhotoAndPromptsIntoImages() throws IOException {
        Path photo = Files.write(out.resolve("grace.jpg"), face);
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();

        int code = io.dreamid.cli.Main.run(new String[] {"generate", "--face", photo.toString(),
                "--prompt", "a photo of {id} as an astronaut", "--prompt", "{id} as a chef",
                "--images", "2", "--best-of", "2", "--steps", "4", "--width", "64", "--height", "64", "--seed", "7",
                "--out", out.resolve("images").toString(),
                "--gateway", platform.gateway().toString(), "--api-key", Platform.API_KEY},
                new PrintStream(stdout, true, StandardCharsets.UTF_8), new PrintStream(stderr, true, StandardCharsets.UTF_8));

        assertThat(code).as("exit code; stderr:\n%s", stderr).isZero();
        List<String> lines = stdout.toString(StandardCharsets.UTF_8).lines().toList();
        List<Path> images = lines.stream().filter(l -> l.endsWith(".png")).map(Path::of).toList();
        assertThat(images).hasSize(4);
        for (Path image : images) {
            BufferedImage decoded = ImageIO.read(image.toFile());
            assertThat(decoded).as("%s is a PNG", image).isNotNull();
            assertThat(decoded.getWidth()).isEqualTo(64);
            assertThat(decoded.getHeight()).isEqualTo(64);
        }
        String jobId = lines.get(lines.size() - 1).replace("job ", "");
        JsonNode job = api.job(jobId);
        assertThat(job.path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(job.path("identityId").asText()).isNotEmpty();
        List<String> timingKeys = fieldNames(job.path("timings"));
        assertThat(timingKeys).anyMatch(k -> k.startsWith("face."))
                .anyMatch(k -> k.startsWith("encoder."))
                .anyMatch(k -> k.startsWith("diffusion."));
        // How long the job waited for each stage (what more workers would cut), for operators sizing them.
        for (String wait : List.of("face.wait", "encoder.wait", "diffusion.wait")) {
            assertThat(job.path("timings").path(wait).isIntegralNumber()).as(wait).isTrue();
            assertThat(job.path("timings").path(wait).asLong()).as(wait).isBetween(0L, JOB_TIMEOUT.toMillis());
        }
        // The identity judge (face-service) scores each image a moment after SUCCEEDED, and for --best-of chooses
        // among its candidates; the CLI waited for that choice. The tiny bundle's images have no face, so each
        // image is its first candidate.
        assertThat(outputs(jobId)).hasSize(8);
        assertThat(job.path("images")).hasSize(4);
        for (JsonNode image : job.path("images")) {
            assertThat(image.path("identity").path("faceFound").isBoolean()).as(image.toString()).isTrue();
            assertThat(image.path("identity").path("faceFound").asBoolean()).as(image.toString()).isFalse();
            assertThat(image.path("identity").has("distance")).as(image.toString()).isFalse();
            assertThat(image.path("identity").path("chosen").asBoolean()).as(image.toString()).isTrue();
            assertThat(image.path("candidate").asInt(-1)).as(image.toString()).isZero();
            assertThat(image.path("candidates")).as(image.toString()).hasSize(1);
        }
    }

    static boolean everyImageJudged(JsonNode job) {
        if (job.path("images").isEmpty()) {
            return false;
        }
        for (JsonNode image : job.path("images")) {
            if (!image.hasNonNull("identity")) {
                return false;
            }
        }
        return true;
    }

    @Test
    void aPhotoWithoutAFaceFailsWithNoFace() throws IOException {
        HttpResponse<String> accepted = api.submitPhoto(noFaceJpeg(), "landscape.jpg", spec(1, 4));
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String jobId = GatewayApi.json(accepted.body()).path("jobId").asText();

        JsonNode job = api.awaitTerminal(jobId, JOB_TIMEOUT);

        assertThat(job.path("status").asText()).isEqualTo("FAILED");
        assertThat(job.path("error").path("code").asText()).isEqualTo("NO_FACE");
        assertThat(job.path("error").path("message").asText()).isNotBlank();
    }

    @Test
    void aCancelMidGenerationEndsCancelledWithNoFurtherImages() {
        // Many large images with many steps: generation lasts long enough to be caught mid-run.
        HttpResponse<String> accepted = api.submitPhoto(face, "grace.jpg",
                "{\"prompts\":[\"a photo of {id}\",\"{id} in a garden\",\"{id} at sea\",\"{id} on stage\"],"
                        + "\"imagesPerPrompt\":8,\"steps\":150,\"width\":512,\"height\":512}");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String jobId = GatewayApi.json(accepted.body()).path("jobId").asText();
        api.await(jobId, JOB_TIMEOUT, j -> j.path("status").asText().equals("GENERATING"));

        HttpResponse<String> cancelled = api.cancel(jobId);
        assertThat(cancelled.statusCode()).as(cancelled.body()).isBetween(200, 299);
        JsonNode job = api.awaitTerminal(jobId, JOB_TIMEOUT);
        assertThat(job.path("status").asText()).isEqualTo("CANCELLED");

        // The diffusion worker stops between steps: once it has, the set of images no longer grows.
        List<String> before = outputs(jobId);
        Platform.pause(3000);
        assertThat(outputs(jobId)).isEqualTo(before).hasSizeLessThan(32);
    }

    @Test
    void anIdentityIsReusedByIdWithoutDetectionOrEncoding() throws IOException {
        HttpResponse<String> first = api.submitPhoto(face, "grace.jpg", spec(1, 2));
        String firstId = GatewayApi.json(first.body()).path("jobId").asText();
        JsonNode firstJob = api.awaitTerminal(firstId, JOB_TIMEOUT);
        assertThat(firstJob.path("status").asText()).as(firstJob.toString()).isEqualTo("SUCCEEDED");
        String identityId = firstJob.path("identityId").asText();

        // Best of 3: three candidates of the one image; the judge compares them with the identity's own face.
        String plain = spec(1, 2);
        String bestOf3 = plain.substring(0, plain.length() - 1) + ",\"bestOf\":3}";
        HttpResponse<String> second = api.submitJson("{\"identityId\":\"" + identityId + "\",\"spec\":" + bestOf3 + "}");
        assertThat(second.statusCode()).as(second.body()).isEqualTo(202);
        String secondId = GatewayApi.json(second.body()).path("jobId").asText();
        JsonNode secondJob = api.awaitTerminal(secondId, JOB_TIMEOUT);

        assertThat(secondJob.path("status").asText()).as(secondJob.toString()).isEqualTo("SUCCEEDED");
        assertThat(secondJob.path("identityId").asText()).isEqualTo(identityId);
        assertThat(fieldNames(secondJob.path("timings"))).noneMatch(k -> k.startsWith("face."))
                .anyMatch(k -> k.startsWith("diffusion."));
        assertThat(secondJob.path("images")).hasSize(1);
        assertThat(secondJob.path("images").get(0).path("candidates")).hasSize(2);
        assertThat(outputs(secondId)).hasSize(3);

        // The tiny bundle's candidates have no face: the judge keeps the first (candidate 0) as the image.
        JsonNode judged = api.await(secondId, JOB_TIMEOUT, MainJobE2EIT::everyImageJudged);
        JsonNode image = judged.path("images").get(0);
        assertThat(image.path("candidate").asInt()).as(image.toString()).isZero();
        assertThat(image.path("identity").path("faceFound").asBoolean()).as(image.toString()).isFalse();
        assertThat(image.path("identity").path("chosen").asBoolean()).as(image.toString()).isTrue();
        for (JsonNode candidate : image.path("candidates")) {
            assertThat(candidate.path("identity").path("faceFound").isBoolean()).as(candidate.toString()).isTrue();
            assertThat(candidate.path("identity").path("chosen").asBoolean()).as(candidate.toString()).isFalse();
            assertThat(ImageIO.read(new ByteArrayInputStream(api.bytes(candidate.path("url").asText())))).isNotNull();
        }
    }

    @Test
    void aPhotoBecomesAnIdentityThatLaterJobsName() {
        HttpResponse<String> accepted = api.submitIdentity(face, "grace.jpg");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String identityJob = GatewayApi.json(accepted.body()).path("jobId").asText();

        JsonNode encoded = api.awaitTerminal(identityJob, JOB_TIMEOUT);
        assertThat(encoded.path("status").asText()).as(encoded.toString()).isEqualTo("SUCCEEDED");
        assertThat(encoded.path("images")).isEmpty();
        String identityId = encoded.path("identityId").asText();
        assertThat(identityId).matches("[0-9a-f]{32}");
        assertThat(api.bytes("/v1/jobs/" + identityJob + "/face")).as("the aligned face is shown").isNotEmpty();

        HttpResponse<String> job = api.submitJson("{\"identityId\":\"" + identityId + "\",\"spec\":" + spec(1, 2) + "}");
        assertThat(job.statusCode()).as(job.body()).isEqualTo(202);
        JsonNode generated = api.awaitTerminal(GatewayApi.json(job.body()).path("jobId").asText(), JOB_TIMEOUT);
        assertThat(generated.path("status").asText()).as(generated.toString()).isEqualTo("SUCCEEDED");
        assertThat(generated.path("images")).hasSize(1);
        // Out of the box: the built-in encoder (dlib's network, untrained projector) and the tiny diffusion bundle.
        assertThat(generated.path("notices")).extracting(JsonNode::asText)
                .anyMatch(n -> n.contains("noise by design"))
                .anyMatch(n -> n.contains("dlib-resnet-v1-untrained") && n.contains("untrained projector"));
    }

    @Test
    void aJobProducedStraightToKafkaRunsToTheEndAndIsVisibleAtTheGateway() throws Exception {
        String jobId = "kafka-" + UUID.randomUUID();
        String photoKey = "inputs/" + jobId + "/photo.jpg";
        EmbeddedS3.store().put(photoKey, face, "image/jpeg");
        JobSpec spec = new JobSpec(List.of("a photo of {id} as a pilot"), null, 1, 2, 7.5, 11L, 64, 64, null, null);
        JobMessage message = JobMessage.of(jobId, Platform.TENANT, Instant.now(), photoKey, null, spec);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, EmbeddedKafka.start()),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(Topics.JOBS, jobId, Json.toString(message))).get();
        }

        JsonNode job = api.awaitTerminal(jobId, JOB_TIMEOUT);

        assertThat(job.path("status").asText()).as(job.toString()).isEqualTo("SUCCEEDED");
        assertThat(job.path("images")).hasSize(1);
        byte[] png = api.bytes(job.path("images").get(0).path("url").asText());
        assertThat(ImageIO.read(new ByteArrayInputStream(png))).isNotNull();
    }

    private static List<String> outputs(String jobId) {
        return EmbeddedS3.store().list("outputs/" + jobId + "/");
    }

    private static String spec(int images, int steps) {
        return "{\"prompts\":[\"a photo of {id} as an astronaut\"],\"imagesPerPrompt\":" + images + ",\"steps\":" + steps
                + ",\"width\":64,\"height\":64,\"seed\":3}";
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** A sky-and-field picture: an image with no face in it. */
    private static byte[] noFaceJpeg() throws IOException {
        BufferedImage image = new BufferedImage(480, 320, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setPaint(new GradientPaint(0, 0, new Color(90, 150, 230), 0, 200, new Color(200, 225, 250)));
        g.fillRect(0, 0, 480, 200);
        g.setColor(new Color(60, 140, 60));
        g.fillRect(0, 200, 480, 120);
        g.dispose();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(image, "jpg", bytes);
        return bytes.toByteArray();
    }
}
