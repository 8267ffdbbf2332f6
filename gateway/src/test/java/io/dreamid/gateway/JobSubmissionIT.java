package io.dreamid.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.dreamid.common.ObjectKeys;
import io.dreamid.common.Topics;
import io.dreamid.common.json.Json;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.JobMessage;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.gateway.service.UploadBudget;
import io.dreamid.testsupport.EmbeddedS3;
import io.dreamid.testsupport.KafkaResource;
import io.dreamid.testsupport.S3Resource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static io.dreamid.gateway.GatewayTestResource.KEY_A;
import static io.dreamid.gateway.GatewayTestResource.KEY_B;
import static io.dreamid.gateway.GatewayTestResource.KEY_BAD_REQUESTS;
import static io.dreamid.gateway.GatewayTestResource.TENANT_A;
import static io.dreamid.gateway.GatewayTestResource.TENANT_BAD_REQUESTS;
import static org.assertj.core.api.Assertions.assertThat;

/** Submissions against the real broker and S3 server: what is stored and published, and what is refused. */
@QuarkusTest
@QuarkusTestResource(KafkaResource.class)
@QuarkusTestResource(S3Resource.class)
@QuarkusTestResource(GatewayTestResource.class)
class JobSubmissionIT {

    @TestHTTPResource("/")
    URI gateway;

    @Inject
    UploadBudget uploads;

    @Test
    void aSubmittedPhotoIsStoredPublishedAndReadableAtOnce() throws Exception {
        byte[] photo = TestImages.jpeg(96, 80, 1);
        Response response = Api.photoJob(KEY_A, photo, "me.jpg", Api.SPEC).post("/v1/jobs");

        assertThat(response.statusCode()).isEqualTo(202);
        String jobId = response.jsonPath().getString("jobId");
        assertThat(response.jsonPath().getString("status")).isEqualTo("ACCEPTED");
        assertThat(response.jsonPath().getString("url")).isEqualTo("/v1/jobs/" + jobId);
        assertThat(response.header("Location")).endsWith("/v1/jobs/" + jobId);

        // read-your-writes: the job is there right after the 202
        Api.as(KEY_A).get("/v1/jobs/" + jobId).then().statusCode(200);

        String photoRef = ObjectKeys.input(jobId, "jpg");
        assertThat(EmbeddedS3.store().get(photoRef)).isEqualTo(photo);

        JobMessage job = only(Topics.JOBS, jobId, JobMessage.class);
        assertThat(job.tenant()).isEqualTo(TENANT_A);
        assertThat(job.photoRef()).isEqualTo(photoRef);
        assertThat(job.identityId()).isNull();
        assertThat(job.spec().prompts()).containsExactly("a photo of {id} as an astronaut");
        assertThat(job.spec().steps()).isEqualTo(20);
        assertThat(job.spec().seed()).as("a seed is picked so the job can be reproduced").isNotNull();
        assertThat(job.spec().width()).as("defaults are filled in").isEqualTo(512);

        JobEvent accepted = only(Topics.JOB_EVENTS, jobId, JobEvent.class);
        assertThat(accepted.status()).isEqualTo(JobStatus.ACCEPTED);
        assertThat(accepted.tenant()).isEqualTo(TENANT_A);
        assertThat(accepted.spec()).isEqualTo(job.spec());

        JsonNode view = Json.mapper().readTree(Api.as(KEY_A).get("/v1/jobs/" + jobId).asString());
        assertThat(view.path("status").asText()).isEqualTo("ACCEPTED");
        assertThat(view.path("spec").path("seed").asLong()).isEqualTo(job.spec().seed());
    }

    @Test
    void promptsThatNameNobodyMakeATextOnlyJobWithoutAPhoto() {
        String plain = "{\"prompts\": [\"a lighthouse at dusk\"], \"steps\": 2, \"seed\": 9}";
        String multipart = Api.as(KEY_A).multiPart("spec", plain, "application/json").post("/v1/jobs")
                .then().statusCode(202).extract().path("jobId");
        String json = Api.as(KEY_A).contentType("application/json").body("{\"spec\": " + plain + "}")
                .post("/v1/jobs").then().statusCode(202).extract().path("jobId");

        for (String jobId : List.of(multipart, json)) {
            JobMessage job = only(Topics.JOBS, jobId, JobMessage.class);
            assertThat(job.isTextOnly()).isTrue();
            assertThat(job.spec().prompts()).containsExactly("a lighthouse at dusk");
            assertThat(job.spec().seed()).isEqualTo(9L);
            assertThat(EmbeddedS3.store().list("inputs/" + jobId + "/")).isEmpty();
        }
    }

    @Test
    void aJobOfSeveralPeopleNamesAnIdentityForEachPlaceholder() {
        EmbeddedS3.store().put(ObjectKeys.identity("ada-1"), new byte[] {1}, "application/octet-stream");
        EmbeddedS3.store().put(ObjectKeys.identity("grace-2"), new byte[] {2}, "application/octet-stream");
        String two = "{\"prompts\": [\"{id:ada} and {id:grace} having tea\"], \"people\": {\"ada\": \"ada-1\","
                + " \"grace\": \"grace-2\"}, \"steps\": 2}";

        String jobId = Api.as(KEY_A).multiPart("spec", two, "application/json").post("/v1/jobs")
                .then().statusCode(202).extract().path("jobId");

        JobMessage job = only(Topics.JOBS, jobId, JobMessage.class);
        assertThat(job.photoRef()).isNull();
        assertThat(job.identityId()).isNull();
        assertThat(job.isTextOnly()).isFalse();
        assertThat(job.spec().people()).containsEntry("ada", "ada-1").containsEntry("grace", "grace-2");

        String unknown = "{\"spec\": {\"prompts\": [\"{id:ada} and {id:bob}\"], \"people\": {\"ada\":"
                + " \"ada-1\", \"bob\": \"bob-3\"}}}";
        assertError(Api.as(KEY_A).contentType("application/json").body(unknown).post("/v1/jobs"), 404,
                "IDENTITY_NOT_FOUND", "bob-3");
        String unnamed = "{\"spec\": {\"prompts\": [\"{id:ada} and {id:bob}\"], \"people\": {\"ada\": \"ada-1\"}}}";
        assertError(Api.as(KEY_A).contentType("application/json").body(unnamed).post("/v1/jobs"), 400,
                "BAD_SPEC", "no identity for {id:bob}");
        assertError(Api.as(KEY_A).contentType("application/json")
                .body("{\"spec\": {\"prompts\": [\"{id:ada}\"], \"negativePrompt\": \"{id:ada}\", \"people\":"
                        + " {\"ada\": \"ada-1\"}}}").post("/v1/jobs"), 400, "BAD_SPEC", "negativePrompt");
    }

    @Test
    void aJobOfSeveralPeopleMayBringAPhotoPartForEach() {
        EmbeddedS3.store().put(ObjectKeys.identity("grace-2"), new byte[] {2}, "application/octet-stream");
        byte[] ada = TestImages.png(64, 64, 3);
        byte[] bob = TestImages.jpeg(72, 64, 4);
        String spec = "{\"prompts\": [\"{id:ada} and {id:bob} with {id:grace}\"], \"people\": {\"grace\":"
                + " \"grace-2\"}, \"steps\": 2, \"seed\": 5}";

        String jobId = Api.as(KEY_A).multiPart("spec", spec, "application/json")
                .multiPart("photo:ada", "a.png", ada, "image/png")
                .multiPart("photo:bob", "b.jpg", bob, "image/jpeg")
                .post("/v1/jobs").then().statusCode(202).extract().path("jobId");

        JobMessage job = only(Topics.JOBS, jobId, JobMessage.class);
        assertThat(job.photoRef()).isNull();
        assertThat(job.identityId()).isNull();
        assertThat(job.needsFaceStage()).isTrue();
        assertThat(job.spec().people()).as("each photo part is the person of its name").containsEntry("ada",
                "photo:ada").containsEntry("bob", "photo:bob").containsEntry("grace", "grace-2");
        assertThat(job.photos()).containsEntry("ada", ObjectKeys.personInput(jobId, "ada", "png"))
                .containsEntry("bob", ObjectKeys.personInput(jobId, "bob", "jpg")).hasSize(2);
        assertThat(EmbeddedS3.store().get(job.photos().get("ada"))).isEqualTo(ada);
        assertThat(EmbeddedS3.store().get(job.photos().get("bob"))).isEqualTo(bob);

        // "run again" from the stored photos: a JSON body naming them
        String again = Api.as(KEY_A).contentType("application/json").body("{\"spec\": " + Json.toString(job.spec())
                + ", \"photos\": " + Json.toString(job.photos()) + "}").post("/v1/jobs")
                .then().statusCode(202).extract().path("jobId");
        JobMessage rerun = only(Topics.JOBS, again, JobMessage.class);
        assertThat(rerun.spec()).isEqualTo(job.spec());
        assertThat(EmbeddedS3.store().get(rerun.photos().get("ada"))).isEqualTo(ada);

        assertError(Api.as(KEY_A).multiPart("spec", spec, "application/json")
                .multiPart("photo:ada", "a.png", ada, "image/png").multiPart("photo:bob", "b.png", ada, "image/png")
                .multiPart("photo:eve", "e.png", ada, "image/png")
                .post("/v1/jobs"), 400, "BAD_SPEC", "the photo parts [ada, bob, eve] must be the people the prompts name");
        assertError(Api.as(KEY_A).multiPart("spec", spec, "application/json")
                .multiPart("photo:ada", "a.png", ada, "image/png")
                .multiPart("photo:bob", "b.png", new byte[] {1, 2, 3}, "image/png")
                .post("/v1/jobs"), 400, "BAD_IMAGE", "photo:bob");
        assertError(Api.as(KEY_B).contentType("application/json").body("{\"spec\": " + Json.toString(job.spec())
                + ", \"photos\": " + Json.toString(job.photos()) + "}").post("/v1/jobs"), 404, "PHOTO_NOT_FOUND",
                "inputs/" + jobId);
    }

    /**
     * The 77-token budget at submission. "a photo of a cat" is 5 CLIP tokens (common's clip-golden.json, written by
     * OpenAI's simple_tokenizer), and BPE works word by word, so N repeats are 5N tokens. A photo counts
     * words-per-photo (2) words, an identity its own K (3 here, from its file).
     */
    @Test
    void aPromptOverTheTokenBudgetIsRefusedAtSubmissionWithTheNumbers() {
        EmbeddedS3.store().put(ObjectKeys.identity("k3-ada"), io.dreamid.common.tensors.Safetensors.write(
                java.util.Map.of("embedding", new io.dreamid.common.tensors.FloatTensor(new long[] {3, 4},
                        new float[12])), java.util.Map.of()), "application/octet-stream");
        String fourteen = "a photo of a cat ".repeat(14);
        String fifteen = "a photo of a cat ".repeat(15);

        Api.photoJob(KEY_A, TestImages.png(64, 64, 5), "me.png", "{\"prompts\": [\"" + fourteen + "{id}\"]}")
                .post("/v1/jobs").then().statusCode(202);
        Response photo = Api.photoJob(KEY_A, TestImages.png(64, 64, 5), "me.png",
                "{\"prompts\": [\"" + fifteen + "{id} at sea\"]}").post("/v1/jobs");
        assertError(photo, 400, "BAD_SPEC", "prompts[0]: the prompt needs 79 tokens up to its last person (75 of"
                + " text, 2 identity words for 1 placeholder, start and end) but the model reads 77");

        String body = "{\"spec\": {\"prompts\": [\"%s\"], \"people\": {\"ada\": \"k3-ada\"}}}";
        Api.as(KEY_A).contentType("application/json").body(body.formatted(fourteen + "{id:ada}")).post("/v1/jobs")
                .then().statusCode(202);
        Api.as(KEY_A).contentType("application/json").body(body.formatted("a photo of a cat ".repeat(13)
                + "{id:ada} and {id:ada}")).post("/v1/jobs").then().statusCode(202);
        assertError(Api.as(KEY_A).contentType("application/json").body(body.formatted(
                "a photo of a cat ".repeat(14) + "{id:ada} and {id:ada}")).post("/v1/jobs"), 400, "BAD_SPEC",
                "needs 79 tokens up to its last person (71 of text, 6 identity words for 2 placeholders");
    }

    @Test
    void theSpecMayComeAsAFilePartAsBrowsersSendIt() {
        String jobId = Api.as(KEY_A)
                .multiPart("spec", "blob", "{\"prompts\": [\"{id} on the moon\"], \"seed\": 42}".getBytes(
                        StandardCharsets.UTF_8), "application/json")
                .multiPart("photo", "face.png", TestImages.png(64, 64, 2), "image/png")
                .post("/v1/jobs").then().statusCode(202).extract().path("jobId");

        JobMessage job = only(Topics.JOBS, jobId, JobMessage.class);
        assertThat(job.spec().seed()).isEqualTo(42L);
        assertThat(job.photoRef()).isEqualTo(ObjectKeys.input(jobId, "png"));
    }

    @Test
    void aPhotoAlreadyInStorageCanBeNamedButOnlyByItsTenant() {
        byte[] photo = TestImages.jpeg(64, 64, 3);
        EmbeddedS3.store().put("tenants/" + TENANT_A + "/me.jpg", photo, "image/jpeg");
        String body = "{\"spec\": " + Api.SPEC + ", \"photoRef\": \"tenants/" + TENANT_A + "/me.jpg\"}";

        String jobId = Api.as(KEY_A).contentType("application/json").body(body).post("/v1/jobs")
                .then().statusCode(202).extract().path("jobId");
        assertThat(EmbeddedS3.store().get(ObjectKeys.input(jobId, "jpg"))).isEqualTo(photo);
        assertThat(only(Topics.JOBS, jobId, JobMessage.class).photoRef()).isEqualTo(ObjectKeys.input(jobId, "jpg"));

        // the input of one of the tenant's own jobs may be reused
        String reuse = "{\"spec\": " + Api.SPEC + ", \"photoRef\": \"" + ObjectKeys.input(jobId, "jpg") + "\"}";
        Api.as(KEY_A).contentType("application/json").body(reuse).post("/v1/jobs").then().statusCode(202);

        // another tenant gets the same answer as for a missing object
        Response foreign = Api.as(KEY_B).contentType("application/json").body(body).post("/v1/jobs");
        assertThat(foreign.statusCode()).isEqualTo(404);
        assertThat(foreign.jsonPath().getString("code")).isEqualTo("PHOTO_NOT_FOUND");
        Api.as(KEY_B).contentType("application/json").body(reuse).post("/v1/jobs").then().statusCode(404);
    }

    /**
     * While other uploads hold the upload memory, a submission waits for it; when none frees up in time it is
     * refused with 503 BUSY and a Retry-After, and nothing is stored or published. (Ten 19 MB uploads at once ran
     * the gateway out of heap before the budget.)
     */
    @Test
    void aSubmissionWaitsForUploadMemoryAndIsRefusedWhenNoneFreesUp() throws Exception {
        byte[] photo = TestImages.jpeg(64, 64, 5);
        EmbeddedS3.store().put("tenants/" + TENANT_A + "/busy.jpg", photo, "image/jpeg");
        String byRef = "{\"spec\": " + Api.SPEC + ", \"photoRef\": \"tenants/" + TENANT_A + "/busy.jpg\"}";
        int jobsBefore = TopicReader.readAll(Topics.JOBS).size();

        try (UploadBudget.Reservation everything = uploads.reserve(Long.MAX_VALUE)) {
            Response busy = Api.photoJob(KEY_A, photo, "me.jpg", Api.SPEC).post("/v1/jobs");
            assertError(busy, 503, "BUSY", "retry the request in a few seconds");
            assertThat(busy.header("Retry-After")).isEqualTo("2");
            assertError(Api.as(KEY_A).contentType("application/json").body(byRef).post("/v1/jobs"), 503, "BUSY",
                    "nothing was accepted");
        }
        assertThat(TopicReader.readAll(Topics.JOBS)).as("nothing published").hasSize(jobsBefore);

        // A submission that finds the memory taken waits for it rather than failing at once.
        UploadBudget.Reservation held = uploads.reserve(Long.MAX_VALUE);
        java.util.concurrent.CompletableFuture<Response> waiting = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> Api.photoJob(KEY_A, photo, "me.jpg", Api.SPEC).post("/v1/jobs"));
        Thread.sleep(300);
        assertThat(waiting).as("still waiting for upload memory").isNotDone();
        held.close();
        assertThat(waiting.get().statusCode()).as(waiting.get().asString()).isEqualTo(202);
        assertThat(uploads.reservedBytes()).as("every reservation returned").isZero();
    }

    @Test
    void anIdentityJobNeedsAnExistingIdentity() {
        Response missing = Api.as(KEY_A).contentType("application/json")
                .body("{\"spec\": " + Api.SPEC + ", \"identityId\": \"no-such-identity\"}").post("/v1/jobs");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.jsonPath().getString("code")).isEqualTo("IDENTITY_NOT_FOUND");
        assertThat(missing.jsonPath().getString("message")).contains("no-such-identity");

        EmbeddedS3.store().put(ObjectKeys.identity("face-1234"), new byte[] {1, 2, 3}, "application/octet-stream");
        String jobId = Api.as(KEY_A).contentType("application/json")
                .body("{\"spec\": " + Api.SPEC + ", \"identityId\": \"face-1234\"}").post("/v1/jobs")
                .then().statusCode(202).extract().path("jobId");
        JobMessage job = only(Topics.JOBS, jobId, JobMessage.class);
        assertThat(job.identityId()).isEqualTo("face-1234");
        assertThat(job.photoRef()).isNull();
        Api.as(KEY_A).get("/v1/jobs/" + jobId).then().statusCode(200);
        assertThat(Api.as(KEY_A).get("/v1/jobs/" + jobId).jsonPath().getString("identityId")).isEqualTo("face-1234");
    }

    @Test
    void badRequestsGetA4xxThatSaysWhatToFixAndPublishNothing() throws Exception {
        long jobsBefore = TopicReader.size(Topics.JOBS);
        long eventsBefore = TopicReader.size(Topics.JOB_EVENTS);
        byte[] photo = TestImages.jpeg(64, 64, 4);

        Response noPlaceholder = Api.photoJob(KEY_BAD_REQUESTS, photo, "me.jpg",
                "{\"prompts\": [\"an astronaut on the moon\"]}").post("/v1/jobs");
        assertError(noPlaceholder, 400, "BAD_SPEC", "{id}");

        assertError(Api.photoJob(KEY_BAD_REQUESTS, photo, "me.jpg",
                "{\"prompts\": [\"{id} as a chef\"], \"steps\": 0}").post("/v1/jobs"), 400, "BAD_SPEC",
                "steps: must be between 1 and 150, got 0");
        assertError(Api.photoJob(KEY_BAD_REQUESTS, photo, "me.jpg",
                "{\"prompts\": [\"{id} as a chef\"], \"steps\": 10000}").post("/v1/jobs"), 400, "BAD_SPEC",
                "steps: must be between 1 and 150, got 10000");
        assertError(Api.photoJob(KEY_BAD_REQUESTS, photo, "me.jpg",
                "{\"prompts\": [\"{id} as a chef\"], \"step\": 20}").post("/v1/jobs"), 400, "BAD_SPEC",
                "unknown field(s) [step]");
        assertError(Api.photoJob(KEY_BAD_REQUESTS, photo, "me.jpg", "{\"prompts\": ").post("/v1/jobs"), 400,
                "BAD_SPEC", "not valid JSON");

        byte[] text = "this is a text file, not a photo\n".repeat(20).getBytes(StandardCharsets.UTF_8);
        Response notAnImage = Api.photoJob(KEY_BAD_REQUESTS, text, "me.jpg", Api.SPEC).post("/v1/jobs");
        assertError(notAnImage, 400, "BAD_IMAGE", "photo");

        Response huge = Api.as(KEY_BAD_REQUESTS)
                .multiPart("photo", "huge.png", TestImages.pngHeaderOnly(30000, 30000), "image/png")
                .multiPart("spec", Api.SPEC, "application/json").post("/v1/jobs");
        assertThat(huge.statusCode()).isIn(400, 413);
        assertThat(huge.jsonPath().getString("code")).isEqualTo("BAD_IMAGE");
        assertThat(huge.jsonPath().getString("message")).contains("30000");

        byte[] truncated = java.util.Arrays.copyOf(TestImages.jpeg(256, 256, 5), 1500);
        assertError(Api.photoJob(KEY_BAD_REQUESTS, truncated, "cut.jpg", Api.SPEC).post("/v1/jobs"), 400,
                "BAD_IMAGE", "truncated");
        byte[] truncatedPng = java.util.Arrays.copyOf(TestImages.png(128, 128, 6), 2000);
        assertError(Api.photoJob(KEY_BAD_REQUESTS, truncatedPng, "cut.png", Api.SPEC).post("/v1/jobs"), 400,
                "BAD_IMAGE", "photo");

        assertError(Api.as(KEY_BAD_REQUESTS).multiPart("spec", Api.SPEC, "application/json").post("/v1/jobs"), 400,
                "BAD_IMAGE", "'photo' is missing");
        assertError(Api.as(KEY_BAD_REQUESTS).contentType("application/json")
                .body("{\"spec\": " + Api.SPEC + "}").post("/v1/jobs"), 400, "BAD_SPEC", "exactly one of");
        assertError(Api.as(KEY_BAD_REQUESTS).contentType("application/json")
                .body("{\"prompts\": [\"{id}\"], \"photoRef\": \"x\"}").post("/v1/jobs"), 400, "BAD_SPEC",
                "inside \"spec\"");

        HttpResponse<String> fiftyMegabytes = postMultipart(new byte[50 * 1024 * 1024]);
        assertThat(fiftyMegabytes.statusCode()).isEqualTo(413);
        JsonNode tooLarge = Json.mapper().readTree(fiftyMegabytes.body());
        assertThat(tooLarge.path("code").asText()).isEqualTo("REQUEST_TOO_LARGE");
        assertThat(tooLarge.path("message").asText()).contains("20 MiB");

        // A client that asks before sending (curl does for large bodies) gets the answer without sending the body.
        String answer = askToSend(50L * 1024 * 1024);
        assertThat(answer).startsWith("HTTP/1.1 413").contains("REQUEST_TOO_LARGE").doesNotContain("100 Continue");

        assertThat(TopicReader.size(Topics.JOBS)).as("no job was published").isEqualTo(jobsBefore);
        assertThat(TopicReader.size(Topics.JOB_EVENTS)).as("no event was published").isEqualTo(eventsBefore);
        assertThat(TopicReader.readAll(Topics.JOBS)).noneMatch(r -> r.value().contains(TENANT_BAD_REQUESTS));
        assertThat(Api.as(KEY_BAD_REQUESTS).get("/v1/jobs").jsonPath().getList("jobs")).isEmpty();
    }

    /** Sends only the head of a multipart POST with {@code Expect: 100-continue}; returns what the server answers. */
    private String askToSend(long contentLength) throws Exception {
        try (java.net.Socket socket = new java.net.Socket(gateway.getHost(), gateway.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST /v1/jobs HTTP/1.1\r\nHost: " + gateway.getHost() + "\r\n"
                    + "X-API-Key: " + KEY_BAD_REQUESTS + "\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                    + "Content-Length: " + contentLength + "\r\nExpect: 100-continue\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private HttpResponse<String> postMultipart(byte[] photo) throws Exception {
        String boundary = "b0undary";
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"spec\"\r\n\r\n" + Api.SPEC
                + "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"big.jpg\"\r\n"
                + "Content-Type: image/jpeg\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(gateway.resolve("/v1/jobs"))
                .header("X-API-Key", KEY_BAD_REQUESTS)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(concat(head, photo, tail)))
                .build();
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static void assertError(Response response, int status, String code, String messagePart) {
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(status);
        assertThat(response.jsonPath().getString("code")).isEqualTo(code);
        assertThat(response.jsonPath().getString("message")).contains(messagePart);
    }

    static <T> T only(String topic, String jobId, Class<T> type) {
        List<ConsumerRecord<String, String>> records = TopicReader.readAll(topic).stream()
                .filter(r -> jobId.equals(r.key())).toList();
        assertThat(records).as("records of job " + jobId + " on " + topic).hasSize(1);
        return Json.readMessage(records.get(0).value().getBytes(StandardCharsets.UTF_8), type);
    }

}
