package io.dreamid.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.dreamid.common.ObjectKeys;
import io.dreamid.common.Topics;
import io.dreamid.common.json.Json;
import io.dreamid.common.messages.CancelRequest;
import io.dreamid.common.messages.DatasetMessage;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.Stage;
import io.dreamid.gateway.idempotency.IdempotencyKeyFilter;
import io.dreamid.testsupport.EmbeddedS3;
import io.dreamid.testsupport.KafkaResource;
import io.dreamid.testsupport.S3Resource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.dreamid.gateway.GatewayTestResource.KEY_A;
import static io.dreamid.gateway.GatewayTestResource.KEY_B;
import static io.dreamid.gateway.GatewayTestResource.TENANT_A;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Dataset builds through the gateway against the real broker and S3 server: a build is checked, completed with
 * its defaults and seed, published to dreamid.datasets with its ACCEPTED event, followed from its events like a job
 * (progress, server-sent events, summary and files once built), cancelled, and seen by its tenant only.
 */
@QuarkusTest
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(S3Resource.class)
@QuarkusTestResource(GatewayTestResource.class)
class DatasetApiIT {
    private static final String SPEC = "{\"names\": [\"Ada Lovelace\", \"Alan Turing\"], \"editPrompts\":"
            + " [\"{name} as a chef\"], \"width\": 64, \"height\": 64, \"steps\": 2}";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TestHTTPResource("/")
    URI gateway;

    @Test
    void aBuildIsPublishedFollowedAndReadByItsTenantOnly() throws Exception {
        Response accepted = Api.as(KEY_A).contentType("application/json").body(SPEC).post("/v1/datasets");
        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        String id = accepted.jsonPath().getString("datasetId");
        assertThat(id).startsWith(DatasetMessage.ID_PREFIX);
        assertThat(accepted.header("Location")).endsWith("/v1/datasets/" + id);

        DatasetMessage build = JobSubmissionIT.only(Topics.DATASETS, id, DatasetMessage.class);
        assertThat(build.tenant()).isEqualTo(TENANT_A);
        assertThat(build.spec().seed()).as("a seed is picked").isNotNull();
        assertThat(build.spec().maxDistance()).as("defaults are filled in").isEqualTo(0.6);
        assertThat(build.spec().names()).containsExactly("Ada Lovelace", "Alan Turing");
        JobEvent event = JobSubmissionIT.only(Topics.JOB_EVENTS, id, JobEvent.class);
        assertThat(event.status()).isEqualTo(JobStatus.ACCEPTED);

        JsonNode view = Json.mapper().readTree(Api.as(KEY_A).get("/v1/datasets/" + id).asString());
        assertThat(view.path("status").asText()).isEqualTo("ACCEPTED");
        assertThat(view.at("/spec/seed").asLong()).isEqualTo(build.spec().seed());
        Api.as(KEY_B).get("/v1/datasets/" + id).then().statusCode(404);
        assertThat(Api.as(KEY_B).get("/v1/datasets").jsonPath().getList("datasets.datasetId")).doesNotContain(id);
        Await.until("listed", TIMEOUT, () -> Api.as(KEY_A).get("/v1/datasets").jsonPath()
                .getList("datasets.datasetId").contains(id));
        assertThat(Api.as(KEY_A).get("/v1/jobs?limit=100").jsonPath().getList("jobs.jobId")).as("not a job")
                .doesNotContain(id);

        // The builder's events and files, as the face-service's dataset stage writes them.
        SseClient events = SseClient.followPath(gateway, "/v1/datasets/" + id + "/events", KEY_A);
        TopicReader.produce(Topics.JOB_EVENTS, id, JobEvent.running(id, TENANT_A, Stage.DATASET,
                JobStatus.GENERATING, "jobs-2", 0.5));
        Await.until("progress", TIMEOUT, () -> Api.as(KEY_A).get("/v1/datasets/" + id).jsonPath()
                .getDouble("progress") == 0.5);
        Api.as(KEY_A).get("/v1/datasets/" + id + "/files/manifest.jsonl").then().statusCode(404);
        String manifest = "{\"name\":\"Ada Lovelace\",\"portrait\":\"crops/0-0.png\"}\n";
        EmbeddedS3.store().put(ObjectKeys.datasetFile(id, "manifest.jsonl"),
                manifest.getBytes(StandardCharsets.UTF_8), "application/jsonl");
        EmbeddedS3.store().put(ObjectKeys.datasetFile(id, "summary.json"),
                "{\"pairs\": {\"total\": 2, \"kept\": 0}}".getBytes(StandardCharsets.UTF_8), "application/json");
        TopicReader.produce(Topics.JOB_EVENTS, id, JobEvent.succeeded(id, TENANT_A, Stage.DATASET, List.of(
                ObjectKeys.datasetFile(id, "manifest.jsonl"), ObjectKeys.datasetFile(id, "summary.json"))));
        assertThat(events.finished().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(200);
        assertThat(events.statuses()).containsSubsequence("GENERATING", "SUCCEEDED");

        JsonNode built = Json.mapper().readTree(Api.as(KEY_A).get("/v1/datasets/" + id).asString());
        assertThat(built.path("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(built.at("/summary/pairs/total").asInt()).isEqualTo(2);
        assertThat(built.path("manifest").asText()).isEqualTo("/v1/datasets/" + id + "/files/manifest.jsonl");
        assertThat(Api.as(KEY_A).get(built.path("manifest").asText()).asString()).isEqualTo(manifest);
        Api.as(KEY_B).get("/v1/datasets/" + id + "/files/manifest.jsonl").then().statusCode(404);
        Api.as(KEY_A).get("/v1/datasets/" + id + "/files/..%2Fx").then().statusCode(404);
        Api.as(KEY_A).delete("/v1/datasets/" + id).then().statusCode(409);
    }

    @Test
    void aCancelledBuildGetsACancelRequestAndBadSpecsAreRefusedWithEveryProblem() {
        String id = Api.as(KEY_A).contentType("application/json").body(SPEC).post("/v1/datasets")
                .then().statusCode(202).extract().path("datasetId");
        Api.as(KEY_B).delete("/v1/datasets/" + id).then().statusCode(404);
        Response cancelled = Api.as(KEY_A).delete("/v1/datasets/" + id);
        assertThat(cancelled.statusCode()).isEqualTo(202);
        assertThat(cancelled.jsonPath().getString("status")).isEqualTo("CANCELLED");
        assertThat(JobSubmissionIT.only(Topics.CANCELLATIONS, id, CancelRequest.class).tenant()).isEqualTo(TENANT_A);

        Response bad = Api.as(KEY_A).contentType("application/json")
                .body("{\"names\": [], \"editPrompts\": [\"a chef\"], \"width\": 72}").post("/v1/datasets");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.jsonPath().getString("code")).isEqualTo("BAD_SPEC");
        assertThat(bad.jsonPath().getList("problems", String.class)).anyMatch(p -> p.startsWith("names"))
                .anyMatch(p -> p.startsWith("editPrompts[0]")).anyMatch(p -> p.startsWith("width"));
        Response typo = Api.as(KEY_A).contentType("application/json").body("{\"name\": [\"Ada\"]}")
                .post("/v1/datasets");
        assertThat(typo.statusCode()).isEqualTo(400);
        assertThat(typo.jsonPath().getString("message")).contains("unknown field(s) [name]");
    }

    /**
     * A client that sends a build again with its Idempotency-Key (it lost the answer) gets the first build and no
     * second one is published; the key with another spec is refused.
     */
    @Test
    void aRepeatedKeyedBuildReturnsTheFirstAndPublishesNothing() {
        String unknown = DatasetMessage.ID_PREFIX + UUID.randomUUID();
        Await.until("the job state to be loaded", Duration.ofSeconds(60),
                () -> Api.as(KEY_A).get("/v1/datasets/" + unknown).statusCode() == 404);
        String key = UUID.randomUUID().toString();
        Response first = Api.as(KEY_A).header(IdempotencyKeyFilter.HEADER, key).contentType("application/json")
                .body(SPEC).post("/v1/datasets");
        assertThat(first.statusCode()).as(first.asString()).isEqualTo(202);
        String id = first.jsonPath().getString("datasetId");
        assertThat(first.header(IdempotencyKeyFilter.REPLAYED_HEADER)).isNull();
        Await.until("the build is readable", TIMEOUT, () -> Api.as(KEY_A).get("/v1/datasets/" + id).statusCode() == 200);

        Response again = Api.as(KEY_A).header(IdempotencyKeyFilter.HEADER, key).contentType("application/json")
                .body(SPEC).post("/v1/datasets");
        assertThat(again.statusCode()).isEqualTo(202);
        assertThat(again.jsonPath().getString("datasetId")).isEqualTo(id);
        assertThat(again.header("Location")).endsWith("/v1/datasets/" + id);
        assertThat(again.header(IdempotencyKeyFilter.REPLAYED_HEADER)).isEqualTo("true");
        DatasetMessage build = JobSubmissionIT.only(Topics.DATASETS, id, DatasetMessage.class);
        assertThat(build.spec().seed()).as("a seed is derived from the key").isNotNull();

        Response other = Api.as(KEY_A).header(IdempotencyKeyFilter.HEADER, key).contentType("application/json")
                .body(SPEC.replace("a chef", "a pilot")).post("/v1/datasets");
        assertThat(other.statusCode()).isEqualTo(422);
        assertThat(other.jsonPath().getString("code")).isEqualTo("IDEMPOTENCY_KEY_REUSED");
        Response otherTenant = Api.as(KEY_B).header(IdempotencyKeyFilter.HEADER, key)
                .contentType("application/json").body(SPEC).post("/v1/datasets");
        assertThat(otherTenant.statusCode()).isEqualTo(202);
        assertThat(otherTenant.jsonPath().getString("datasetId")).isNotEqualTo(id);
    }
}
