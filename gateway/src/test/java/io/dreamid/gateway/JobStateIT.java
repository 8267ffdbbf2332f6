package io.dreamid.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.dreamid.common.ObjectKeys;
import io.dreamid.common.Topics;
import io.dreamid.common.json.Json;
import io.dreamid.common.messages.CancelRequest;
import io.dreamid.common.messages.ErrorInfo;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.JobMessage;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.SchemaVersions;
import io.dreamid.common.messages.Stage;
import io.dreamid.gateway.state.JobStateTopology;
import io.dreamid.gateway.state.JobView;
import io.dreamid.testsupport.EmbeddedKafka;
import io.dreamid.testsupport.EmbeddedS3;
import io.dreamid.testsupport.KafkaResource;
import io.dreamid.testsupport.S3Resource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.dreamid.gateway.GatewayTestResource.KEY_A;
import static io.dreamid.gateway.GatewayTestResource.KEY_B;
import static io.dreamid.gateway.GatewayTestResource.TENANT_A;
import static org.assertj.core.api.Assertions.assertThat;

/** Job state as users see it, folded from events that other services produce to the real broker. */
@QuarkusTest
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(S3Resource.class)
@QuarkusTestResource(GatewayTestResource.class)
class JobStateIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TestHTTPResource("/")
    URI gateway;

    @ConfigProperty(name = "quarkus.kafka-streams.application-id")
    String applicationId;

    @Test
    void eventsFromKafkaChangeTheJobOverRestAndServerSentEvents() throws Exception {
        String jobId = submit(KEY_A);
        SseClient sse = SseClient.follow(gateway, jobId, KEY_A);
        Await.until("the current state as the first event", WAIT, () -> !sse.states().isEmpty());

        byte[] first = TestImages.png(64, 64, 10);
        byte[] second = TestImages.png(64, 64, 11);
        EmbeddedS3.store().put(ObjectKeys.output(jobId, 0, 0), first, "image/png");
        EmbeddedS3.store().put(ObjectKeys.output(jobId, 0, 1), second, "image/png");

        emit(event(jobId, Stage.FACE, JobStatus.DETECTING, 0.1, null, Map.of("face.detect", 12L), null, List.of()));
        emit(event(jobId, Stage.ENCODER, JobStatus.ENCODING, 0.3, null, Map.of(), null, List.of()));
        emit(event(jobId, Stage.DIFFUSION, JobStatus.GENERATING, 0.5, "step-10", Map.of(), null, List.of()));
        emit(event(jobId, Stage.DIFFUSION, JobStatus.SUCCEEDED, 1.0, null, Map.of("diffusion.denoise", 900L), null,
                List.of(ObjectKeys.output(jobId, 0, 0), ObjectKeys.output(jobId, 0, 1))));

        assertThat(sse.finished().get(30, TimeUnit.SECONDS)).isEqualTo(200);
        assertThat(sse.statuses()).first().isEqualTo("ACCEPTED");
        assertThat(sse.statuses()).last().isEqualTo("SUCCEEDED");
        assertThat(sse.statuses()).containsSubsequence("ACCEPTED", "SUCCEEDED");
        assertNeverBackwards(sse.states());

        Response job = Api.as(KEY_A).get("/v1/jobs/" + jobId);
        assertThat(job.statusCode()).isEqualTo(200);
        assertThat(job.jsonPath().getString("status")).isEqualTo("SUCCEEDED");
        assertThat(job.jsonPath().getString("stage")).isEqualTo("DIFFUSION");
        assertThat(job.jsonPath().getDouble("progress")).isEqualTo(1.0);
        assertThat(job.jsonPath().getLong("timings.'face.detect'")).isEqualTo(12L);
        assertThat(job.jsonPath().getLong("timings.'diffusion.denoise'")).isEqualTo(900L);
        assertThat(job.jsonPath().getList("images.url"))
                .containsExactly("/v1/jobs/" + jobId + "/images/0", "/v1/jobs/" + jobId + "/images/1");
        assertThat(job.jsonPath().getList("spec.prompts")).containsExactly("a photo of {id} as an astronaut");
        assertThat(job.jsonPath().getString("createdAt")).isNotBlank();

        Response image = Api.as(KEY_A).get("/v1/jobs/" + jobId + "/images/1");
        assertThat(image.statusCode()).isEqualTo(200);
        assertThat(image.contentType()).isEqualTo("image/png");
        assertThat(image.asByteArray()).isEqualTo(second);

        Response redirect = Api.as(KEY_A).redirects().follow(false).get("/v1/jobs/" + jobId + "/images/0?redirect=true");
        assertThat(redirect.statusCode()).isEqualTo(307);
        HttpResponse<byte[]> presigned = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(redirect.header("Location"))).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(presigned.statusCode()).isEqualTo(200);
        assertThat(presigned.body()).isEqualTo(first);

        Response missing = Api.as(KEY_A).get("/v1/jobs/" + jobId + "/images/2");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.jsonPath().getString("code")).isEqualTo("IMAGE_NOT_FOUND");

        Response cancelTooLate = Api.as(KEY_A).delete("/v1/jobs/" + jobId);
        assertThat(cancelTooLate.statusCode()).isEqualTo(409);
        assertThat(cancelTooLate.jsonPath().getString("message")).contains("SUCCEEDED");

        SseClient ended = SseClient.follow(gateway, jobId, KEY_A);
        assertThat(ended.finished().get(10, TimeUnit.SECONDS)).isEqualTo(200);
        assertThat(ended.statuses()).containsExactly("SUCCEEDED");
    }

    @Test
    void duplicatedAndLateEventsNeverMoveAJobBackwards() throws Exception {
        String jobId = submit(KEY_A);
        SseClient sse = SseClient.follow(gateway, jobId, KEY_A);

        emit(event(jobId, Stage.DIFFUSION, JobStatus.GENERATING, 0.6, "step-12", Map.of(), null, List.of()));
        awaitJob(jobId, KEY_A, job -> job.path("progress").asDouble() == 0.6);

        // late, duplicated and lower-ranked events, then a marker that shows they have all been folded in
        emit(event(jobId, Stage.FACE, JobStatus.DETECTING, 0.1, null, Map.of("face.detect", 7L), null, List.of()));
        emit(event(jobId, Stage.DIFFUSION, JobStatus.GENERATING, 0.9, "step-12", Map.of(), null, List.of()));
        emit(event(jobId, Stage.ENCODER, JobStatus.ENCODING, 0.3, null, Map.of(), null, List.of()));
        emit(event(jobId, Stage.DIFFUSION, JobStatus.GENERATING, 0.65, "step-13", Map.of(), null, List.of()));
        JsonNode generating = awaitJob(jobId, KEY_A, job -> job.path("progress").asDouble() == 0.65);
        assertThat(generating.path("status").asText()).isEqualTo("GENERATING");
        assertThat(generating.path("stage").asText()).isEqualTo("DIFFUSION");
        assertThat(generating.path("timings").path("face.detect").asLong()).as("late timings still count")
                .isEqualTo(7L);

        emit(event(jobId, Stage.DIFFUSION, JobStatus.FAILED, 0.7, null, Map.of(),
                ErrorInfo.of("MODEL_ERROR", "the UNet failed"), List.of()));
        emit(event(jobId, Stage.DIFFUSION, JobStatus.SUCCEEDED, 1.0, null, Map.of(), null,
                List.of(ObjectKeys.output(jobId, 0, 0))));
        emit(event(jobId, Stage.ENCODER, JobStatus.ENCODING, 0.3, "late", Map.of("encoder.backbone", 42L), null,
                List.of()));
        JsonNode failed = awaitJob(jobId, KEY_A, job -> job.path("timings").has("encoder.backbone"));
        assertThat(failed.path("status").asText()).as("the first terminal event wins").isEqualTo("FAILED");
        assertThat(failed.path("error").path("code").asText()).isEqualTo("MODEL_ERROR");
        assertThat(failed.path("error").path("message").asText()).isEqualTo("the UNet failed");
        assertThat(failed.path("images")).isEmpty();

        assertThat(sse.finished().get(30, TimeUnit.SECONDS)).isEqualTo(200);
        assertThat(sse.statuses()).last().isEqualTo("FAILED");
        assertNeverBackwards(sse.states());
    }

    @Test
    void aJobProducedStraightToKafkaBecomesVisible() {
        String jobId = "external-" + UUID.randomUUID();
        JobSpec spec = new JobSpec(List.of("{id} riding a horse"), null, 2, 25, 6.0, 7L, 512, 512, "ddim", null);
        TopicReader.produce(Topics.JOBS, jobId,
                JobMessage.of(jobId, TENANT_A, Instant.now(), "inputs/" + jobId + "/photo.jpg", null, spec));

        JsonNode job = awaitJob(jobId, KEY_A, j -> j.path("status").asText().equals("ACCEPTED"));
        assertThat(job.path("spec").path("prompts").get(0).asText()).isEqualTo("{id} riding a horse");
        assertThat(job.path("spec").path("imagesPerPrompt").asInt()).isEqualTo(2);
        assertThat(Api.as(KEY_A).get("/v1/jobs?status=ACCEPTED&limit=100").jsonPath().getList("jobs.jobId"))
                .contains(jobId);
        Api.as(KEY_B).get("/v1/jobs/" + jobId).then().statusCode(404);

        // a message that is not a job (another system's bug) is skipped and the fold goes on
        TopicReader.produceRaw(Topics.JOBS, "garbage-" + jobId, "{not json");
        String next = "external-" + UUID.randomUUID();
        TopicReader.produce(Topics.JOBS, next, JobMessage.of(next, TENANT_A, Instant.now(), null, "id-1", spec));
        awaitJob(next, KEY_A, j -> j.path("identityId").asText().equals("id-1"));
    }

    @Test
    void cancellingPublishesACancelRequestAndEndsTheJob() {
        String jobId = submit(KEY_A);
        Response cancelled = Api.as(KEY_A).delete("/v1/jobs/" + jobId);
        assertThat(cancelled.statusCode()).isEqualTo(202);
        assertThat(cancelled.jsonPath().getString("status")).isEqualTo("CANCELLED");
        assertThat(Api.as(KEY_A).get("/v1/jobs/" + jobId).jsonPath().getString("status")).isEqualTo("CANCELLED");

        List<ConsumerRecord<String, String>> requests = TopicReader.readAll(Topics.CANCELLATIONS).stream()
                .filter(r -> jobId.equals(r.key())).toList();
        assertThat(requests).hasSize(1);
        CancelRequest request = Json.readMessage(requests.get(0).value().getBytes(StandardCharsets.UTF_8),
                CancelRequest.class);
        assertThat(request.tenant()).isEqualTo(TENANT_A);
        assertThat(TopicReader.readAll(Topics.JOB_EVENTS).stream().filter(r -> jobId.equals(r.key()))
                .map(r -> Json.readMessage(r.value().getBytes(StandardCharsets.UTF_8), JobEvent.class))
                .filter(e -> e.status() == JobStatus.CANCELLED && e.stage() == Stage.GATEWAY)).hasSize(1);

        emit(event(jobId, Stage.FACE, JobStatus.DETECTING, 0.1, null, Map.of("face.detect", 3L), null, List.of()));
        JsonNode job = awaitJob(jobId, KEY_A, j -> j.path("timings").has("face.detect"));
        assertThat(job.path("status").asText()).isEqualTo("CANCELLED");

        Response again = Api.as(KEY_A).delete("/v1/jobs/" + jobId);
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(again.jsonPath().getString("code")).isEqualTo("JOB_FINISHED");
    }

    @Test
    void aTenantSeesOnlyItsOwnJobsAndAKeyIsRequired() {
        String jobId = submit(KEY_A);
        EmbeddedS3.store().put(ObjectKeys.output(jobId, 0, 0), TestImages.png(8, 8, 1), "image/png");
        emit(event(jobId, Stage.DIFFUSION, JobStatus.SUCCEEDED, 1.0, null, Map.of(), null,
                List.of(ObjectKeys.output(jobId, 0, 0))));
        awaitJob(jobId, KEY_A, j -> j.path("status").asText().equals("SUCCEEDED"));
        Api.as(KEY_A).get("/v1/jobs/" + jobId + "/images/0").then().statusCode(200);

        for (Response foreign : List.of(Api.as(KEY_B).get("/v1/jobs/" + jobId),
                Api.as(KEY_B).get("/v1/jobs/" + jobId + "/images/0"),
                Api.as(KEY_B).get("/v1/jobs/" + jobId + "/images/0?redirect=true"),
                Api.as(KEY_B).get("/v1/jobs/" + jobId + "/events"),
                Api.as(KEY_B).delete("/v1/jobs/" + jobId))) {
            assertThat(foreign.statusCode()).isEqualTo(404);
            assertThat(foreign.jsonPath().getString("code")).isEqualTo("JOB_NOT_FOUND");
        }
        assertThat(Api.as(KEY_B).get("/v1/jobs?limit=100").jsonPath().getList("jobs.jobId")).doesNotContain(jobId);
        assertThat(Api.as(KEY_A).get("/v1/jobs?limit=100").jsonPath().getList("jobs.jobId")).contains(jobId);
        assertThat(Api.as(KEY_A).get("/v1/jobs?status=succeeded&limit=100").jsonPath().getList("jobs.status"))
                .isNotEmpty().allMatch("SUCCEEDED"::equals);

        Response noKey = io.restassured.RestAssured.get("/v1/jobs/" + jobId);
        assertThat(noKey.statusCode()).isEqualTo(401);
        assertThat(noKey.jsonPath().getString("code")).isEqualTo("UNAUTHORIZED");
        assertThat(noKey.jsonPath().getString("message")).contains("X-API-Key");
        Response wrongKey = Api.as("not-a-key").get("/v1/jobs");
        assertThat(wrongKey.statusCode()).isEqualTo(401);
        assertThat(wrongKey.jsonPath().getString("message")).contains("not valid");
        assertThat(Api.as("not-a-key").multiPart("photo", "a.jpg", TestImages.jpeg(32, 32, 1), "image/jpeg")
                .multiPart("spec", Api.SPEC, "application/json").post("/v1/jobs").statusCode()).isEqualTo(401);

        Response badStatus = Api.as(KEY_A).get("/v1/jobs?status=DONE");
        assertThat(badStatus.statusCode()).isEqualTo(400);
        assertThat(badStatus.jsonPath().getString("message")).contains("SUCCEEDED");
        assertThat(Api.as(KEY_A).get("/v1/jobs?limit=0").statusCode()).isEqualTo(400);
    }

    @Test
    void aFreshInstanceWithAnEmptyStateDirectoryRestoresEveryJobFromKafka() throws Exception {
        // One job per partition, with history folded by the running gateway before the new instance starts.
        Map<Integer, String> jobByPartition = new HashMap<>();
        JobSpec spec = new JobSpec(List.of("{id} in a library"), null, 1, 20, 7.5, 3L, 512, 512, null, null);
        while (jobByPartition.size() < EmbeddedKafka.PARTITIONS) {
            String jobId = "restart-" + UUID.randomUUID();
            jobByPartition.putIfAbsent(partitionOf(jobId), jobId);
        }
        for (String jobId : jobByPartition.values()) {
            TopicReader.produce(Topics.JOBS, jobId, JobMessage.of(jobId, TENANT_A, Instant.now(), null, "id-7", spec));
            emit(event(jobId, Stage.DIFFUSION, JobStatus.GENERATING, 0.4, "step-4", Map.of(), null, List.of()));
        }
        for (String jobId : jobByPartition.values()) {
            awaitJob(jobId, KEY_A, j -> j.path("progress").asDouble() == 0.4);
        }
        submit(KEY_B);
        Map<String, JsonNode> expected = new HashMap<>();
        for (String key : List.of(KEY_A, KEY_B)) {
            for (JsonNode job : Json.mapper().readTree(Api.as(key).get("/v1/jobs?limit=100").asString())
                    .path("jobs")) {
                expected.put(job.path("jobId").asText(), job);
            }
        }
        assertThat(expected).containsKeys(jobByPartition.values().toArray(String[]::new));

        // A second instance of the same application with an empty state directory: what a restarted gateway, or a
        // second replica, starts from. It joins the group, so it also takes over some partitions of the fold.
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, EmbeddedKafka.start());
        props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("gateway-replica-").toString());
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        // A dynamic member cannot leave on close: a short session hands its partitions back soon after.
        props.put(StreamsConfig.consumerPrefix("session.timeout.ms"), 6000);
        props.put(StreamsConfig.consumerPrefix("heartbeat.interval.ms"), 1000);
        JobStateTopology topology = new JobStateTopology(Topics.JOBS, Topics.JOB_EVENTS, "dreamid.job-state",
                new JobStateTopology.Retention(Duration.ofDays(7), Duration.ofMinutes(10)), view -> {
                }, view -> {
                });
        List<String> takenOver;
        try (KafkaStreams replica = new KafkaStreams(topology.build(), props)) {
            replica.start();
            Await.until("the new instance to run with partitions of its own", Duration.ofSeconds(60),
                    () -> replica.state() == KafkaStreams.State.RUNNING && !activePartitions(replica).isEmpty());
            ReadOnlyKeyValueStore<String, JobView> views = replica.store(StoreQueryParameters.fromNameAndType(
                    JobStateTopology.VIEW_STORE, QueryableStoreTypes.keyValueStore()));
            Await.until("the new instance to hold every job", WAIT, () -> expected.values().stream().allMatch(job -> {
                JobView view = views.get(job.path("jobId").asText());
                return view != null && view.status().name().equals(job.path("status").asText())
                        && view.progress() == job.path("progress").asDouble()
                        && view.tenant() != null && view.spec() != null;
            }));

            // Events on the partitions it took over are folded onto the state it restored from the changelog: the
            // spec and identity, known only from events before it started, are still there.
            takenOver = activePartitions(replica).stream().map(jobByPartition::get).toList();
            for (String jobId : takenOver) {
                emit(event(jobId, Stage.DIFFUSION, JobStatus.GENERATING, 0.6, "step-6", Map.of(), null, List.of()));
            }
            for (String jobId : takenOver) {
                JsonNode job = awaitJob(jobId, KEY_A, j -> j.path("progress").asDouble() == 0.6);
                assertThat(job.path("spec").path("prompts").get(0).asText()).isEqualTo("{id} in a library");
                assertThat(job.path("identityId").asText()).isEqualTo("id-7");
                assertThat(views.get(jobId).progress()).isEqualTo(0.6);
            }
            replica.close(Duration.ofSeconds(10));
        }

        // The stopped instance's partitions come back to the gateway, which restores them from the changelog in
        // turn: every job goes on from where it was.
        for (String jobId : jobByPartition.values()) {
            emit(event(jobId, Stage.DIFFUSION, JobStatus.GENERATING, 0.8, "step-8", Map.of(), null, List.of()));
        }
        for (String jobId : jobByPartition.values()) {
            JsonNode job = awaitJob(jobId, KEY_A, j -> j.path("progress").asDouble() == 0.8);
            assertThat(job.path("spec").path("prompts").get(0).asText()).isEqualTo("{id} in a library");
            assertThat(job.path("createdAt").asText()).isEqualTo(expected.get(jobId).path("createdAt").asText());
        }
        assertThat(takenOver).isNotEmpty();
    }

    /** The partitions of the event topic whose fold this instance runs. */
    private static List<Integer> activePartitions(KafkaStreams streams) {
        return streams.metadataForLocalThreads().stream()
                .flatMap(thread -> thread.activeTasks().stream())
                .flatMap(task -> task.topicPartitions().stream())
                .filter(tp -> tp.topic().equals(Topics.JOB_EVENTS))
                .map(tp -> tp.partition())
                .distinct().toList();
    }

    /** The partition Kafka's default partitioner gives a record with this key. */
    private static int partitionOf(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % EmbeddedKafka.PARTITIONS;
    }

    @Test
    void aTombstoneOnTheStateTopicRemovesTheJob() {
        String jobId = submit(KEY_A);
        emit(event(jobId, Stage.FACE, JobStatus.DETECTING, 0.1, null, Map.of(), null, List.of()));
        awaitJob(jobId, KEY_A, j -> j.path("status").asText().equals("DETECTING"));

        TopicReader.produceRaw("dreamid.job-state", jobId, null);
        Await.until("job " + jobId + " to be gone", WAIT,
                () -> Api.as(KEY_A).get("/v1/jobs/" + jobId).statusCode() == 404);
    }

    @Test
    void healthMetricsAndApiDocumentationAreServed() {
        submit(KEY_A);
        Response ready = io.restassured.RestAssured.get("/q/health/ready");
        assertThat(ready.statusCode()).as(ready.asString()).isEqualTo(200);
        assertThat(ready.asString()).contains("dreamid-gateway").contains("RUNNING").contains("reachable");
        String metrics = io.restassured.RestAssured.get("/q/metrics").asString();
        assertThat(metrics).containsPattern("dreamid_gateway_submissions_total\\{[^}]*outcome=\"accepted\"");
        String openapi = io.restassured.RestAssured.get("/q/openapi").asString();
        assertThat(openapi).contains("/v1/jobs/{id}/events").contains("/v1/jobs/{id}/images/{n}").contains("X-API-Key");
        io.restassured.RestAssured.get("/q/swagger-ui/").then().statusCode(200);
    }

    private static String submit(String apiKey) {
        return Api.photoJob(apiKey, TestImages.jpeg(64, 64, 9), "me.jpg", Api.SPEC).post("/v1/jobs")
                .then().statusCode(202).extract().path("jobId");
    }

    private static JsonNode awaitJob(String jobId, String apiKey, java.util.function.Predicate<JsonNode> condition) {
        JsonNode[] last = new JsonNode[1];
        Await.until("job " + jobId + " to reach the expected state", WAIT, () -> {
            Response response = Api.as(apiKey).get("/v1/jobs/" + jobId);
            if (response.statusCode() != 200) {
                return false;
            }
            try {
                last[0] = Json.mapper().readTree(response.asString());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return condition.test(last[0]);
        });
        return last[0];
    }

    private static void assertNeverBackwards(List<JsonNode> states) {
        for (int i = 1; i < states.size(); i++) {
            JobStatus before = JobStatus.valueOf(states.get(i - 1).path("status").asText());
            JobStatus after = JobStatus.valueOf(states.get(i).path("status").asText());
            assertThat(after.rank()).as("status after " + before).isGreaterThanOrEqualTo(before.rank());
            assertThat(states.get(i).path("progress").asDouble())
                    .isGreaterThanOrEqualTo(states.get(i - 1).path("progress").asDouble());
            assertThat(before.isTerminal()).as("nothing is sent after a terminal state").isFalse();
        }
    }

    private static void emit(JobEvent event) {
        TopicReader.produce(Topics.JOB_EVENTS, event.jobId(), event);
    }

    private static JobEvent event(String jobId, Stage stage, JobStatus status, double progress, String step,
            Map<String, Long> timings, ErrorInfo error, List<String> outputs) {
        return new JobEvent(SchemaVersions.CURRENT, JobEvent.eventIdFor(jobId, stage, status, step), jobId, TENANT_A,
                stage, status, progress, timings, error, outputs, null, null, Instant.now());
    }
}
