package io.dreamid.gateway;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.Topics;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.SchemaVersions;
import io.dreamid.common.messages.Stage;
import io.dreamid.common.tensors.FloatTensor;
import io.dreamid.common.tensors.Safetensors;
import io.dreamid.testsupport.EmbeddedS3;
import io.dreamid.testsupport.KafkaResource;
import io.dreamid.testsupport.S3Resource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.dreamid.gateway.GatewayTestResource.KEY_A;
import static io.dreamid.gateway.GatewayTestResource.KEY_B;
import static io.dreamid.gateway.GatewayTestResource.TENANT_A;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The identity library against the real gateway, broker and S3 server: a tenant's identity jobs are listed with
 * their names, can be renamed and deleted (words and crop removed, later jobs refused IDENTITY_NOT_FOUND), and
 * another tenant gets 404 for all of it.
 */
@QuarkusTest
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(S3Resource.class)
@QuarkusTestResource(GatewayTestResource.class)
class IdentityLibraryIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void aTenantListsRenamesAndDeletesItsOwnIdentitiesOnly() {
        String identityId = UUID.randomUUID().toString().replace("-", "");
        String jobId = encoded(identityId);
        Await.until("the identity to be listed", WAIT, () -> listed(KEY_A).contains(identityId));
        Response list = Api.as(KEY_A).get("/v1/identities");
        list.then().statusCode(200);
        String at = "identities.find { it.identityId == '" + identityId + "' }.";
        assertThat(list.jsonPath().getString(at + "face")).isEqualTo("/v1/jobs/" + jobId + "/face");
        assertThat(list.jsonPath().getString(at + "encoderVersion")).isEqualTo("tiny-random-1");
        assertThat(list.jsonPath().getString(at + "createdAt")).isNotBlank();
        assertThat(list.jsonPath().getString(at + "name")).isNull();
        assertThat(listed(KEY_B)).doesNotContain(identityId);

        Api.as(KEY_A).contentType("application/json").body("{\"name\": \"Ada\"}").patch("/v1/identities/" + identityId)
                .then().statusCode(200);
        assertThat(Api.as(KEY_A).get("/v1/identities").jsonPath().getString(at + "name")).isEqualTo("Ada");

        // Another tenant: 404, exactly as for an identity that does not exist, and nothing changes.
        assertNotFound(Api.as(KEY_B).contentType("application/json").body("{\"name\": \"Mine\"}")
                .patch("/v1/identities/" + identityId));
        assertNotFound(Api.as(KEY_B).delete("/v1/identities/" + identityId));
        assertNotFound(Api.as(KEY_A).delete("/v1/identities/0123456789abcdef0123456789abcdef"));
        assertThat(EmbeddedS3.store().exists(ObjectKeys.identity(identityId))).isTrue();
        String byIdentity = "{\"identityId\": \"" + identityId + "\", \"spec\": " + Api.SPEC + "}";
        Api.as(KEY_A).contentType("application/json").body(byIdentity).post("/v1/jobs").then().statusCode(202);

        Api.as(KEY_A).delete("/v1/identities/" + identityId).then().statusCode(204);

        assertThat(EmbeddedS3.store().exists(ObjectKeys.identity(identityId))).as("the words").isFalse();
        assertThat(EmbeddedS3.store().exists(ObjectKeys.faceCrop(jobId))).as("the crop").isFalse();
        assertThat(listed(KEY_A)).doesNotContain(identityId);
        Response refused = Api.as(KEY_A).contentType("application/json").body(byIdentity).post("/v1/jobs");
        assertThat(refused.statusCode()).isEqualTo(404);
        assertThat(refused.jsonPath().getString("code")).isEqualTo("IDENTITY_NOT_FOUND");
        assertNotFound(Api.as(KEY_A).contentType("application/json").body("{\"name\": \"Ada\"}")
                .patch("/v1/identities/" + identityId));
    }

    /** An identity job of tenant A, ended as the encoder ends one: its words and crop stored, SUCCEEDED. */
    private static String encoded(String identityId) {
        String jobId = Api.as(KEY_A).multiPart("photo", "me.jpg", TestImages.jpeg(64, 64, 11), "image/jpeg")
                .post("/v1/identities").then().statusCode(202).extract().path("jobId");
        EmbeddedS3.store().put(ObjectKeys.faceCrop(jobId), TestImages.png(32, 32, 3), "image/png");
        EmbeddedS3.store().put(ObjectKeys.identity(identityId), Safetensors.write(
                Map.of("embedding", new FloatTensor(new long[] {2, 4}, new float[8])),
                Map.of("identityId", identityId, "encoderVersion", "tiny-random-1")), "application/octet-stream");
        JobEvent succeeded = new JobEvent(SchemaVersions.CURRENT,
                JobEvent.eventIdFor(jobId, Stage.ENCODER, JobStatus.SUCCEEDED, null), jobId, TENANT_A, Stage.ENCODER,
                JobStatus.SUCCEEDED, 1.0, Map.of("encoder.backbone", 3L), null, List.of(), identityId, null,
                Instant.now());
        TopicReader.produce(Topics.JOB_EVENTS, jobId, succeeded);
        return jobId;
    }

    private static List<String> listed(String key) {
        Response list = Api.as(key).get("/v1/identities");
        assertThat(list.statusCode()).as(list.asString()).isEqualTo(200);
        return list.jsonPath().getList("identities.identityId", String.class);
    }

    private static void assertNotFound(Response response) {
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(404);
        assertThat(response.jsonPath().getString("code")).isEqualTo("IDENTITY_NOT_FOUND");
    }
}
