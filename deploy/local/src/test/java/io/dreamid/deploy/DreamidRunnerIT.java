package io.dreamid.deploy;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs ./dreamid as a user does, on its own state folder and free ports: `up --infra-only` brings a real Kafka
 * broker and S3 server up with the DreamID topics and bucket, a second `up` changes nothing, `status` reports
 * them healthy with their memory, `models import` checks a bundle with the service's own loader, uploads it and
 * records the settings (and refuses one the service cannot load, changing nothing), and `down` leaves no process
 * behind. (The services' own start is covered by
 * the end-to-end tests; here the runner's process handling is what is checked.)
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DreamidRunnerIT {
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(5);

    private static Path root;
    private static Path stateDir;
    private static Map<String, String> env;
    private static int kafkaPort;
    private static int s3Port;

    record Result(int exitCode, String output) {
    }

    @BeforeAll
    static void prepare() throws IOException {
        root = RepoRoot.find();
        stateDir = root.resolve("deploy/local/target/runner-it");
        deleteRecursively(stateDir);
        kafkaPort = freePort();
        s3Port = freePort();
        env = Map.of(
                "DREAMID_STATE_DIR", stateDir.toString(),
                "DREAMID_KAFKA_PORT", String.valueOf(kafkaPort),
                "DREAMID_KAFKA_CONTROLLER_PORT", String.valueOf(freePort()),
                "DREAMID_S3_PORT", String.valueOf(s3Port),
                "DREAMID_START_TIMEOUT", "120");
    }

    @AfterAll
    static void stopWhateverIsLeft() {
        if (!ourProcesses().isEmpty()) {
            dreamid("down");
        }
    }

    @Test
    @Order(1)
    void upStartsTheBrokerAndS3WithTopicsAndBucket() throws Exception {
        Result up = dreamid("up", "--infra-only");

        assertThat(up.exitCode()).as(up.output()).isZero();
        assertThat(up.output()).contains("created topic dreamid.cancellations (1 partition, compacted)");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + kafkaPort))) {
            Map<String, TopicDescription> topics = admin.describeTopics(List.of("dreamid.jobs", "dreamid.faces",
                    "dreamid.identities", "dreamid.job-events", "dreamid.cancellations", "dreamid.jobs.dlq"))
                    .allTopicNames().get(30, TimeUnit.SECONDS);
            assertThat(topics.get("dreamid.jobs").partitions()).hasSize(3);
            assertThat(topics.get("dreamid.job-events").partitions()).hasSize(3);
            ConfigResource cancellations = new ConfigResource(ConfigResource.Type.TOPIC, "dreamid.cancellations");
            Config config = admin.describeConfigs(List.of(cancellations)).all().get(30, TimeUnit.SECONDS)
                    .get(cancellations);
            assertThat(config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("compact");
        }
        HttpResponse<String> s3 = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s3Port + "/dreamid")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(s3.statusCode()).as("anonymous request to the bucket").isEqualTo(403);
        assertThat(stateDir.resolve("data/s3/dreamid")).isDirectory();
        assertThat(stateDir.resolve("logs/kafka.log")).content().contains("Kafka Server started");
    }

    @Test
    @Order(2)
    void secondUpChangesNothing() {
        List<Long> before = ourProcesses();

        Result again = dreamid("up", "--infra-only");

        assertThat(again.exitCode()).as(again.output()).isZero();
        assertThat(again.output()).contains("already running");
        assertThat(ourProcesses()).containsExactlyInAnyOrderElementsOf(before).hasSize(2);
    }

    @Test
    @Order(3)
    void statusReportsHealthAndMemory() {
        Result status = dreamid("status");

        // Exit status 1: the services are not running in this test.
        assertThat(status.exitCode()).as(status.output()).isEqualTo(1);
        assertThat(status.output()).containsPattern("(?m)^kafka +\\d+ +running +UP +[1-9]\\d* +127\\.0\\.0\\.1:" + kafkaPort)
                .containsPattern("(?m)^s3 +\\d+ +running +UP +[1-9]\\d* +127\\.0\\.0\\.1:" + s3Port)
                .containsPattern("(?m)^gateway +- +stopped +DOWN")
                .containsPattern("(?m)^total +[1-9]\\d*$");
    }

    @Test
    @Order(4)
    void modelsImportChecksUploadsAndRecordsABundle() throws IOException {
        Path bundle = root.resolve("encoder-service/src/test/resources/bundles/tiny");

        Result imported = dreamid("models", "import", "--encoder", bundle.toString(), "--name", "tiny-face",
                "--version", "v1");

        assertThat(imported.exitCode()).as(imported.output()).isZero();
        assertThat(imported.output()).contains("encoder-service loads it", "uploaded 4 files");
        // What the S3 server stored (its filesystem store: a folder per bucket, a file per object), byte for byte.
        Path stored = stateDir.resolve("data/s3/dreamid/models/tiny-face/v1");
        for (String file : List.of("backbone.onnx", "encoder.json", "projection.safetensors")) {
            assertThat(stored.resolve(file)).as(file).hasSameBinaryContentAs(bundle.resolve(file));
        }
        assertThat(stored.resolve("manifest.json")).content().contains(
                "228f1daf80c173da16c52af183f631b433628d448d67ba276b5e21800684ad25",
                "822758e107935b83817dc56de875bf7841d0909f93ac2b47f0c17ebd064b0abf",
                "0a045efaecc3366da26532ee733119b79897d1ac714b52acd4aab10aab9efb0b");
        assertThat(stateDir.resolve("services.env")).content()
                .containsPattern("(?m)^DREAMID_ENCODER_BUNDLE_\\w+=.*models/tiny-face/v1");
    }

    @Test
    @Order(5)
    void modelsImportRefusesABundleTheServiceCannotLoadAndChangesNothing() throws IOException {
        Path broken = stateDir.resolve("broken-bundle");
        Files.createDirectories(broken);
        Path bundle = root.resolve("encoder-service/src/test/resources/bundles/tiny");
        for (String file : List.of("backbone.onnx", "encoder.json", "projection.safetensors")) {
            Files.copy(bundle.resolve(file), broken.resolve(file));
        }
        Files.writeString(broken.resolve("encoder.json"), "{\"not\": \"an encoder config\"}");
        String settingsBefore = Files.readString(stateDir.resolve("services.env"));

        Result refused = dreamid("models", "import", "--encoder", broken.toString(), "--name", "broken",
                "--version", "v1");

        assertThat(refused.exitCode()).as(refused.output()).isEqualTo(4);
        assertThat(refused.output()).contains("refused", "nothing was uploaded or switched");
        assertThat(stateDir.resolve("data/s3/dreamid/models/broken")).doesNotExist();
        assertThat(stateDir.resolve("services.env")).hasContent(settingsBefore);
    }

    @Test
    @Order(6)
    void downLeavesNoProcessBehind() {
        Result down = dreamid("down");

        assertThat(down.exitCode()).as(down.output()).isZero();
        assertThat(down.output()).contains("stopped kafka", "stopped s3", "no DreamID process left");
        assertThat(ourProcesses()).isEmpty();
        assertThat(stateDir.resolve("run/kafka.pid")).doesNotExist();
        assertThat(stateDir.resolve("run/s3.pid")).doesNotExist();
        assertThat(stateDir.resolve("data/kafka")).isDirectory();
    }

    @Test
    @Order(7)
    void downPurgeDeletesTheData() {
        Result purge = dreamid("down", "--purge");

        assertThat(purge.exitCode()).as(purge.output()).isZero();
        assertThat(stateDir.resolve("data")).doesNotExist();
    }

    // ---------------------------------------------------------------------------------------------------------

    private static Result dreamid(String... args) {
        List<String> command = new ArrayList<>(List.of(root.resolve("dreamid").toString()));
        command.addAll(List.of(args));
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true);
            builder.environment().putAll(env);
            Process process = builder.start();
            process.getOutputStream().close();
            byte[] output;
            try (InputStream in = process.getInputStream()) {
                output = in.readAllBytes();
            }
            if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("./dreamid " + String.join(" ", args) + " did not finish in " + COMMAND_TIMEOUT);
            }
            return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Processes whose command line carries this test's state folder: what the runner started for it. */
    private static List<Long> ourProcesses() {
        String marker = "-Ddreamid-runner.home=" + stateDir;
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().arguments().map(a -> List.of(a).contains(marker)).orElse(false))
                .map(ProcessHandle::pid)
                .toList();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
