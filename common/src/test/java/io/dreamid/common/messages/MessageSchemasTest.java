package io.dreamid.common.messages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.ValidationMessage;
import io.dreamid.common.ObjectKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.dreamid.common.messages.MessageSchemas.document;
import static io.dreamid.common.messages.MessageSchemas.tree;
import static io.dreamid.common.messages.MessageSchemas.validate;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The committed JSON Schemas and the message records cannot drift apart: what the services write validates,
 * each schema declares exactly the record's fields and the records' enums and limits, and invalid messages that
 * another system might produce are rejected.
 */
class MessageSchemasTest {
    private static final Instant AT = Instant.parse("2026-11-26T16:00:00Z");
    private static final String JOB = "3f2c7a9e-1b4d-4c8e-9f00-5a6b7c8d9e0f";
    private static final JobSpec FULL_SPEC = new JobSpec(List.of("a photo of {id} as an astronaut",
            "{id} as a chef, oil painting"), "blurry", 2, 30, 7.5, 42L, 512, 768, "euler-ancestral", "index:1");
    /** Two people: one by a photo part of the job, one by an identity encoded earlier. */
    private static final JobSpec PHOTOS_SPEC = new JobSpec(List.of("{id:ada} and {id:grace} having tea"), null, null,
            null, null, 7L, null, null, null, null, null, Map.of("ada", "photo:ada", "grace", "c0ffee12"));
    private static final JobSpec MINIMAL_SPEC = new JobSpec(List.of("a photo of {id}"), null, null, null, null, null,
            null, null, null, null);

    static Stream<Arguments> recordsAsTheServicesWriteThem() {
        return Stream.of(
                Arguments.of("job.schema.json", JobMessage.of(JOB, "local", AT, "inputs/" + JOB + "/photo.jpg", null,
                        FULL_SPEC)),
                Arguments.of("job.schema.json", JobMessage.of(JOB, "acme", AT, null, "id-7f3a", MINIMAL_SPEC)),
                Arguments.of("face.schema.json", new FaceMessage(SchemaVersions.CURRENT, JOB, "local", AT, FULL_SPEC,
                        "inputs/" + JOB + "/photo.png", "faces/" + JOB + "/aligned.png", "faces/" + JOB + "/face.json",
                        224, 0.97, 2)),
                Arguments.of("job.schema.json", JobMessage.of(JOB, "local", AT, null, null, PHOTOS_SPEC,
                        Map.of("ada", ObjectKeys.personInput(JOB, "ada", "png")))),
                Arguments.of("face.schema.json", new FaceMessage(SchemaVersions.CURRENT, JOB, "local", AT, PHOTOS_SPEC,
                        null, null, null, 224, 0.91, 1, Map.of("ada", ObjectKeys.personFaceCrop(JOB, "ada")))),
                Arguments.of("job-spec.schema.json", PHOTOS_SPEC),
                Arguments.of("identity.schema.json", new IdentityMessage(SchemaVersions.CURRENT, JOB, "local", AT,
                        MINIMAL_SPEC, "c0ffee12", "identities/c0ffee12.safetensors", "tiny-1", 2, 768, true)),
                Arguments.of("job-event.schema.json", JobEvent.status(JOB, "local", Stage.FACE, JobStatus.DETECTING,
                        0.05, AT)),
                Arguments.of("job-event.schema.json", JobEvent.failed(JOB, "local", Stage.FACE,
                        ErrorInfo.of(ErrorCodes.NO_FACE, "no face found in the photo; use a photo with a visible face"),
                        Map.of("face.detect", 12L), AT)),
                Arguments.of("job-event.schema.json", JobEvent.failed(JOB, null, Stage.ENCODER,
                        ErrorInfo.of(ErrorCodes.MALFORMED_MESSAGE, "not JSON"), null, AT)),
                Arguments.of("job-event.schema.json", new JobEvent(SchemaVersions.CURRENT,
                        JobEvent.eventIdFor(JOB, Stage.DIFFUSION, JobStatus.SUCCEEDED, null), JOB, "local",
                        Stage.DIFFUSION, JobStatus.SUCCEEDED, 1.0, Map.of("diffusion.denoise", 5120L),
                        null, List.of("outputs/" + JOB + "/0-0.png", "outputs/" + JOB + "/1-0.png"), "c0ffee12",
                        FULL_SPEC, AT)),
                Arguments.of("job-event.schema.json", JobEvent.succeeded(JOB, "local", Stage.JUDGE,
                        List.of("outputs/" + JOB + "/0-0.png")).withIdentityScores(Map.of("outputs/" + JOB + "/0-0.png",
                        IdentityScore.worstOf(Map.of("ada", new IdentityScore(true, 0.31, 0.74, true),
                                "grace", IdentityScore.noFace()))))),
                Arguments.of("cancel.schema.json", CancelRequest.of(JOB, "local", AT)),
                Arguments.of("dataset.schema.json", DatasetMessage.of("ds-" + JOB, "local", AT, new DatasetSpec(
                        List.of("Ada Lovelace", "Alan Turing"), List.of("{name} as a chef"), null, 2, 1, 64, 64, 2,
                        "ddim", null, 7L, null).withDefaults())),
                Arguments.of("job-spec.schema.json", FULL_SPEC),
                Arguments.of("job-spec.schema.json", MINIMAL_SPEC),
                Arguments.of("job-spec.schema.json", new JobSpec(List.of("a photo of {id}"), null, 2, null, null, 7L,
                        null, null, null, null, null, null, 4)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("recordsAsTheServicesWriteThem")
    void serialisedRecordsValidate(String schema, Object record) {
        assertThat(validate(schema, record)).isEmpty();
    }

    static Stream<Arguments> schemasAndRecords() {
        return Stream.of(
                Arguments.of("job.schema.json", JobMessage.class),
                Arguments.of("face.schema.json", FaceMessage.class),
                Arguments.of("identity.schema.json", IdentityMessage.class),
                Arguments.of("job-event.schema.json", JobEvent.class),
                Arguments.of("cancel.schema.json", CancelRequest.class),
                Arguments.of("dataset.schema.json", DatasetMessage.class),
                Arguments.of("job-spec.schema.json", JobSpec.class));
    }

    @ParameterizedTest(name = "{0} declares the components of {1}")
    @MethodSource("schemasAndRecords")
    void schemaPropertiesAreTheRecordComponents(String schema, Class<? extends Record> type) {
        JsonNode doc = document(schema);

        assertThat(fieldNames(doc.get("properties"))).isEqualTo(components(type));
        assertThat(doc.get("additionalProperties").asBoolean(true)).as("additionalProperties").isFalse();
        assertThat(doc.get("$schema").asText()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
        assertThat(doc.get("$id").asText()).isEqualTo(MessageSchemas.BASE + schema);
        doc.get("properties").fields().forEachRemaining(p -> assertThat(
                p.getValue().has("description") || p.getValue().has("$ref"))
                .as("%s.%s is documented", schema, p.getKey()).isTrue());
    }

    @Test
    void errorDefinitionIsErrorInfo() {
        JsonNode error = document("job-event.schema.json").at("/$defs/error");

        assertThat(fieldNames(error.get("properties"))).isEqualTo(components(ErrorInfo.class));
    }

    @Test
    void enumsAreTheJavaEnums() throws IllegalAccessException {
        JsonNode event = document("job-event.schema.json");

        assertThat(texts(event.at("/properties/status/enum")))
                .containsExactly(Arrays.stream(JobStatus.values()).map(Enum::name).toArray(String[]::new));
        assertThat(texts(event.at("/properties/stage/enum")))
                .containsExactly(Arrays.stream(Stage.values()).map(Enum::name).toArray(String[]::new));
        Set<String> codes = new HashSet<>();
        for (Field field : ErrorCodes.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
                codes.add((String) field.get(null));
            }
        }
        assertThat(new HashSet<>(texts(event.at("/$defs/error/properties/code/enum")))).isEqualTo(codes);
        assertThat(new HashSet<>(texts(document("job-spec.schema.json").at("/properties/scheduler/enum"))))
                .isEqualTo(JobSpec.SCHEDULERS);
    }

    @Test
    void specLimitsAreJobSpecsLimits() {
        JsonNode p = document("job-spec.schema.json").get("properties");

        assertThat(p.at("/prompts/maxItems").asInt()).isEqualTo(JobSpec.MAX_PROMPTS);
        assertThat(p.at("/prompts/items/maxLength").asInt()).isEqualTo(JobSpec.MAX_PROMPT_CHARS);
        assertThat(p.at("/negativePrompt/maxLength").asInt()).isEqualTo(JobSpec.MAX_PROMPT_CHARS);
        assertThat(p.at("/imagesPerPrompt/maximum").asInt()).isEqualTo(JobSpec.MAX_IMAGES_PER_PROMPT);
        assertThat(p.at("/bestOf/maximum").asInt()).isEqualTo(JobSpec.MAX_BEST_OF);
        assertThat(p.at("/steps/minimum").asInt()).isEqualTo(JobSpec.MIN_STEPS);
        assertThat(p.at("/steps/maximum").asInt()).isEqualTo(JobSpec.MAX_STEPS);
        assertThat(p.at("/guidanceScale/minimum").asDouble()).isEqualTo(JobSpec.MIN_GUIDANCE);
        assertThat(p.at("/guidanceScale/maximum").asDouble()).isEqualTo(JobSpec.MAX_GUIDANCE);
        for (String size : List.of("width", "height")) {
            assertThat(p.at("/" + size + "/minimum").asInt()).isEqualTo(JobSpec.MIN_SIZE);
            assertThat(p.at("/" + size + "/maximum").asInt()).isEqualTo(JobSpec.MAX_SIZE);
            assertThat(p.at("/" + size + "/multipleOf").asInt()).isEqualTo(8);
        }
    }

    static Stream<Arguments> invalidJobs() {
        return Stream.of(
                invalid("no jobId", job -> job.remove("jobId"), "jobId"),
                invalid("schemaVersion as a string", job -> job.put("schemaVersion", "1"), "schemaVersion"),
                invalid("schemaVersion 3", job -> job.put("schemaVersion", 3), "schemaVersion"),
                invalid("a jobId that climbs out of its folder", job -> job.put("jobId", "../x"), "jobId"),
                invalid("a photoRef that climbs out of the bucket", job -> job.put("photoRef", "inputs/../../etc"),
                        "photoRef"),
                invalid("both photoRef and identityId", job -> job.put("identityId", "id-1"), "not"),
                invalid("createdAt not a date-time", job -> job.put("createdAt", "yesterday"), "createdAt"),
                invalid("a misspelt field", job -> job.put("photoref", "x.jpg"), "photoref"),
                invalid("no prompts", job -> spec(job).remove("prompts"), "prompts"),
                invalid("an empty prompt list", job -> spec(job).putArray("prompts"), "prompts"),
                invalid("steps 0", job -> spec(job).put("steps", 0), "steps"),
                invalid("steps 10000", job -> spec(job).put("steps", 10000), "steps"),
                invalid("width not a multiple of 8", job -> spec(job).put("width", 500), "width"),
                invalid("an unknown scheduler", job -> spec(job).put("scheduler", "fast"), "scheduler"),
                invalid("an unknown face policy", job -> spec(job).put("face", "biggest"), "face"),
                invalid("a misspelt spec field", job -> spec(job).put("step", 20), "step"),
                invalid("null for an optional field", job -> spec(job).putNull("seed"), "seed"),
                invalid("identityOnly with prompts", job -> spec(job).put("identityOnly", true), "prompts"));
    }

    @Test
    void aTextOnlyJobHasNeitherPhotoNorIdentityAndIsValid() {
        JobSpec plain = new JobSpec(List.of("a lighthouse at dusk"), null, 1, 2, 7.5, 3L, 64, 64, null, null);
        JobMessage job = JobMessage.of(JOB, "local", AT, null, null, plain);

        assertThat(job.isTextOnly()).isTrue();
        assertThat(validate("job.schema.json", job)).isEmpty();
        assertThat(validate("identity.schema.json", new IdentityMessage(SchemaVersions.CURRENT, JOB, "local", AT,
                plain, null, null, null, 0, 0, false))).isEmpty();
        ObjectNode halfIdentity = (ObjectNode) tree(new IdentityMessage(SchemaVersions.CURRENT, JOB, "local", AT,
                plain, "c0ffee12", null, null, 0, 0, false));
        assertThat(validate("identity.schema.json", halfIdentity)).as("an identity without its embedding").isNotEmpty();
    }

    @Test
    void aJobOfSeveralPeopleAndItsIdentityMessageValidate() {
        JobSpec two = new JobSpec(List.of("{id:ada} and {id:grace} having tea"), null, 1, 2, 7.5, 3L, 64, 64, null,
                null, null, Map.of("ada", "a1", "grace", "g2"));
        assertThat(validate("job.schema.json", JobMessage.of(JOB, "local", AT, null, null, two))).isEmpty();
        IdentityMessage identities = new IdentityMessage(SchemaVersions.CURRENT, JOB, "local", AT, two, null, null,
                null, 0, 0, true, Map.of("ada", new PersonIdentity("a1", "identities/a1.safetensors", "tiny-1", 2, 32),
                "grace", new PersonIdentity("g2", "identities/g2.safetensors", "tiny-1", 2, 32)));
        assertThat(validate("identity.schema.json", identities)).isEmpty();

        ObjectNode badName = (ObjectNode) tree(JobMessage.of(JOB, "local", AT, null, null, two));
        ((ObjectNode) badName.at("/spec/people")).put("a b", "x1");
        assertThat(validate("job.schema.json", badName)).isNotEmpty();
    }

    @Test
    void aVersionOneMessageAsOlderProducersWroteItIsStillRead() {
        String v1 = "{\"schemaVersion\": 1, \"jobId\": \"j1\", \"tenant\": \"acme\", \"createdAt\":"
                + " \"2026-11-26T16:00:00Z\", \"photoRef\": \"inputs/j1/photo.jpg\","
                + " \"spec\": {\"prompts\": [\"a photo of {id}\"]}}";

        JobMessage job = JobMessage.read(v1.getBytes(java.nio.charset.StandardCharsets.UTF_8));

        assertThat(job.schemaVersion()).isEqualTo(1);
        assertThat(job.spec().people()).isNull();
        assertThat(job.spec().problems(true)).isEmpty();
        assertThat(validate("job.schema.json", MessageSchemas.tree(job))).isEmpty();
    }

    @Test
    void anIdentityJobHasNoPromptsAndIsValid() {
        ObjectNode job = (ObjectNode) tree(JobMessage.of(JOB, "local", AT, "inputs/" + JOB + "/photo.jpg", null,
                JobSpec.identityOnly("largest")));

        assertThat(job.at("/spec/identityOnly").asBoolean()).isTrue();
        assertThat(validate("job.schema.json", job)).isEmpty();
        assertThat(JobSpec.identityOnly("largest").problems(true)).isEmpty();
    }

    @ParameterizedTest(name = "a job with {0} is rejected")
    @MethodSource("invalidJobs")
    void invalidJobsAreRejected(String what, Consumer<ObjectNode> breakIt, String mentioned) {
        ObjectNode job = (ObjectNode) tree(JobMessage.of(JOB, "local", AT, "inputs/" + JOB + "/photo.jpg", null,
                FULL_SPEC));
        assertThat(validate("job.schema.json", job)).as("the unbroken job is valid").isEmpty();

        breakIt.accept(job);

        Set<ValidationMessage> errors = validate("job.schema.json", job);
        assertThat(errors).as(what).isNotEmpty();
        assertThat(errors.stream().map(ValidationMessage::getMessage).collect(Collectors.joining("\n")))
                .contains(mentioned);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"j1", "3f2c7a9e-1b4d-4c8e-9f00-5a6b7c8d9e0f", "a.b_c", "../x", ".hidden", "a/b", "-x", ""})
    void idPatternIsObjectKeysRule(String id) {
        ObjectNode job = (ObjectNode) tree(JobMessage.of(JOB, "local", AT, null, "i1", MINIMAL_SPEC));
        job.put("jobId", id);

        assertThat(validate("job.schema.json", job).isEmpty()).isEqualTo(ObjectKeys.isSafeId(id));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"inputs/j1/photo.jpg", "tenants/acme/me.jpg", "inputs/../../etc/passwd", "/abs", "a//b",
            "a/./b", "a/", "x"})
    void keyPatternIsObjectKeysRule(String key) {
        ObjectNode job = (ObjectNode) tree(JobMessage.of(JOB, "local", AT, "x", null, MINIMAL_SPEC));
        job.put("photoRef", key);

        assertThat(validate("job.schema.json", job).isEmpty()).isEqualTo(ObjectKeys.isSafeKey(key));
    }

    @Test
    void eventsWithABadStatusOrAFailureWithoutReasonAreRejected() {
        ObjectNode event = (ObjectNode) tree(JobEvent.status(JOB, "local", Stage.FACE, JobStatus.DETECTING, 0.1, AT));

        assertThat(validate("job-event.schema.json", event.deepCopy().put("status", "DONE"))).isNotEmpty();
        assertThat(validate("job-event.schema.json", event.deepCopy().put("stage", "UPSCALER"))).isNotEmpty();
        assertThat(validate("job-event.schema.json", event.deepCopy().put("progress", 1.5))).isNotEmpty();
        assertThat(validate("job-event.schema.json", event.deepCopy().put("status", "FAILED")))
                .extracting(ValidationMessage::getMessage).anyMatch(m -> m.contains("error"));
        ObjectNode badCode = event.deepCopy().put("status", "FAILED");
        badCode.putObject("error").put("code", "OOPS").put("message", "x");
        assertThat(validate("job-event.schema.json", badCode)).isNotEmpty();
    }

    @Test
    void cancelRequestsNeedAJob() {
        ObjectNode cancel = (ObjectNode) tree(CancelRequest.of(JOB, "local", AT));
        cancel.remove("jobId");

        assertThat(validate("cancel.schema.json", cancel)).extracting(ValidationMessage::getMessage)
                .anyMatch(m -> m.contains("jobId"));
    }

    private static Arguments invalid(String what, Consumer<ObjectNode> breakIt, String mentioned) {
        return Arguments.of(what, breakIt, mentioned);
    }

    private static ObjectNode spec(ObjectNode job) {
        return (ObjectNode) job.get("spec");
    }

    private static Set<String> components(Class<? extends Record> type) {
        return Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName).collect(Collectors.toSet());
    }

    private static Set<String> fieldNames(JsonNode object) {
        Set<String> names = new HashSet<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> texts(JsonNode array) {
        return Stream.of(array).flatMap(a -> java.util.stream.StreamSupport.stream(a.spliterator(), false))
                .map(JsonNode::asText).toList();
    }
}
