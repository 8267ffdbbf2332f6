package io.dreamid.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Renders deploy/k8s (the cpu and gpu overlays) with the Java kustomize subset ({@link Kustomize}: no binary
 * needed) and checks what an operator relies on: every object valid against its typed model, every service has a
 * Deployment and Service that find each other, probes on /q/health, resource requests, the restricted security
 * profile, references that resolve, every topic mapped and made as a KafkaTopic with partitions for its consumers,
 * one registry and version for the images, and settings whose names the services really read (so a renamed
 * channel or config key in a service fails here rather than in a cluster). ManifestMutationTest shows that each
 * check catches what it is for.
 */
class KubernetesManifestsTest {
    private static final Map<String, String> SERVICE_KEYS = Map.of("gateway", "GATEWAY", "face-service", "FACE",
            "encoder-service", "ENCODER", "diffusion-service", "DIFFUSION");
    private static final Map<String, Integer> SERVICE_PORTS = Map.of("gateway", 8080, "face-service", 8091,
            "encoder-service", 8092, "diffusion-service", 8093);
    private static final Pattern VAR_REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

    private static Path root;
    private static List<JsonNode> base;
    private static List<JsonNode> gpu;
    private static List<JsonNode> training;
    private static ManifestChecks checks;

    @BeforeAll
    static void render() {
        root = RepoRoot.find();
        base = kustomize(root.resolve("deploy/k8s/overlays/cpu"));
        gpu = kustomize(root.resolve("deploy/k8s/overlays/gpu"));
        training = kustomize(root.resolve("deploy/k8s/overlays/gpu-training"));
        checks = new ManifestChecks(root);
    }

    @Test
    void everyServiceHasADeploymentAndAServiceThatSelectsIt() {
        for (List<JsonNode> rendered : List.of(base, gpu)) {
            for (String name : SERVICE_KEYS.keySet()) {
                JsonNode deployment = find(rendered, "Deployment", name);
                JsonNode service = find(rendered, "Service", name);
                JsonNode podLabels = deployment.at("/spec/template/metadata/labels");
                service.get("spec").get("selector").fields().forEachRemaining(selector ->
                        assertThat(podLabels.path(selector.getKey()).asText())
                                .as("%s Service selector %s", name, selector.getKey())
                                .isEqualTo(selector.getValue().asText()));
                JsonNode container = container(deployment);
                assertThat(container.at("/ports/0/name").asText()).isEqualTo("http");
                assertThat(container.at("/ports/0/containerPort").asInt()).isEqualTo(SERVICE_PORTS.get(name));
                assertThat(service.at("/spec/ports/0/targetPort").asText()).isEqualTo("http");
                assertThat(env(container)).containsEntry("QUARKUS_HTTP_PORT", String.valueOf(SERVICE_PORTS.get(name)));
            }
        }
    }

    @Test
    void everyContainerHasHealthProbesAndResourceRequests() {
        for (String name : SERVICE_KEYS.keySet()) {
            JsonNode container = container(find(base, "Deployment", name));
            assertThat(container.at("/readinessProbe/httpGet/path").asText()).as(name).isEqualTo("/q/health/ready");
            assertThat(container.at("/livenessProbe/httpGet/path").asText()).as(name).isEqualTo("/q/health/live");
            assertThat(container.at("/startupProbe/httpGet/path").asText()).as(name).isEqualTo("/q/health/started");
            assertThat(container.at("/lifecycle/preStop").isMissingNode()).as(name + " preStop").isFalse();
        }
        assertNoProblem(ManifestChecks::probesAndResources);
    }

    /** Each object parses into its typed model (fabric8, Strimzi) with no unknown field; KEDA's fields checked. */
    @Test
    void everyObjectConformsToItsSchema() {
        assertNoProblem(ManifestChecks::schema);
        assertThat(base.stream().map(d -> d.path("kind").asText()).distinct().toList()).contains("Kafka",
                "KafkaNodePool", "KafkaTopic", "KafkaUser", "StatefulSet", "ScaledObject", "TriggerAuthentication",
                "PodDisruptionBudget", "NetworkPolicy", "Ingress", "ServiceMonitor", "PrometheusRule");
    }

    @Test
    void everyReferenceResolves() {
        assertNoProblem(ManifestChecks::references);
    }

    @Test
    void everyPodIsRestricted() {
        assertNoProblem(ManifestChecks::restricted);
    }

    @Test
    void everyTopicIsMappedAndAKafkaTopicWithPartitionsForItsConsumers() {
        assertNoProblem(checks::topics);
        assertThat(ManifestChecks.ofKind(gpu, "KafkaTopic")).hasSize(11);
    }

    @Test
    void imagesComeFromOneRegistryAndVersionAndHaveDockerfiles() {
        assertNoProblem(checks::images);
    }

    /** Kafka, its users and MinIO as a deployment needs them. */
    @Test
    void platformIsKraftWithScramUsersAndMinioReadsItsCredentialsFromTheSecret() {
        JsonNode kafka = find(base, "Kafka", "dreamid");
        assertThat(kafka.at("/metadata/annotations/strimzi.io~1kraft").asText()).isEqualTo("enabled");
        assertThat(kafka.at("/metadata/annotations/strimzi.io~1node-pools").asText()).isEqualTo("enabled");
        assertThat(kafka.at("/spec/kafka/listeners/0/tls").asBoolean()).isTrue();
        assertThat(kafka.at("/spec/kafka/listeners/0/authentication/type").asText()).isEqualTo("scram-sha-512");
        assertThat(kafka.at("/spec/kafka/authorization/type").asText()).isEqualTo("simple");
        JsonNode pool = ManifestChecks.ofKind(base, "KafkaNodePool").get(0);
        assertThat(pool.at("/spec/roles").toString()).contains("controller", "broker");
        for (String name : SERVICE_KEYS.keySet()) {
            String user = "dreamid-" + (name.equals("gateway") ? "gateway" : ManifestChecks.STAGES.get(name));
            assertThat(find(base, "KafkaUser", user).at("/spec/authentication/type").asText()).isEqualTo("scram-sha-512");
            JsonNode jaas = ManifestChecks.find(base, "Deployment", name).at("/spec/template/spec/containers/0/env").findParent("secretKeyRef");
            assertThat(jaas.at("/secretKeyRef/name").asText()).as(name).isEqualTo(user);
        }
        JsonNode minio = container(find(base, "StatefulSet", "minio"));
        Map<String, JsonNode> minioEnv = new HashMap<>();
        minio.path("env").forEach(v -> minioEnv.put(v.path("name").asText(), v));
        for (String variable : List.of("MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD")) {
            assertThat(minioEnv.get(variable).has("value")).as(variable + " is not a literal").isFalse();
            assertThat(minioEnv.get(variable).at("/valueFrom/secretKeyRef/name").asText()).startsWith("dreamid-storage");
        }
    }

    /** The ConfigMap's topic names, put into a service's channel settings, equal that service's own defaults. */
    @Test
    void topicDefaultsAreTheServicesOwn() {
        JsonNode platform = ManifestChecks.ofKind(base, "ConfigMap").stream()
                .filter(d -> d.at("/metadata/name").asText().startsWith("dreamid-platform"))
                .findFirst().orElseThrow(() -> new AssertionError("no dreamid-platform ConfigMap")).get("data");
        int checked = 0;
        for (String name : SERVICE_KEYS.keySet()) {
            Map<String, String> byEnvName = new HashMap<>();
            applicationProperties(name).forEach((k, v) -> byEnvName.put(envName(k.toString()), v.toString()));
            for (Map.Entry<String, String> variable : env(container(find(base, "Deployment", name))).entrySet()) {
                Matcher m = VAR_REFERENCE.matcher(variable.getValue());
                if (variable.getKey().endsWith("_TOPIC") && m.matches() && byEnvName.containsKey(variable.getKey())) {
                    assertThat(platform.path(m.group(1)).asText())
                            .as("%s %s", name, variable.getKey())
                            .isEqualTo(byEnvName.get(variable.getKey()));
                    checked++;
                }
            }
        }
        assertThat(checked).as("topic settings compared").isGreaterThanOrEqualTo(15);
    }

    /**
     * Quarkus maps MP_MESSAGING_OUTGOING_JOB_EVENTS_TOPIC onto mp.messaging.outgoing.job-events.topic only when the
     * service defines that property; a variable for a channel that does not exist is silently ignored.
     */
    @Test
    void everySettingNamesAPropertyTheServiceReads() {
        for (Map.Entry<String, String> service : SERVICE_KEYS.entrySet()) {
            String name = service.getKey();
            Set<String> propertyEnvNames = applicationProperties(name).stringPropertyNames().stream()
                    .map(KubernetesManifestsTest::envName)
                    .collect(Collectors.toSet());
            String sources = mainSources(name);
            String ownPrefix = "DREAMID_" + service.getValue() + "_";
            for (List<JsonNode> rendered : List.of(base, gpu)) {
                for (String variable : env(container(find(rendered, "Deployment", name))).keySet()) {
                    if (variable.startsWith("MP_MESSAGING_") || variable.startsWith("DREAMID_STAGE_")) {
                        assertThat(propertyEnvNames).as("%s: %s names no property of its application.properties",
                                name, variable).contains(variable);
                    } else if (variable.startsWith(ownPrefix)) {
                        String method = camelCase(variable.substring(ownPrefix.length())) + "()";
                        assertThat(mappingReads(sources, variable.substring(ownPrefix.length()))
                                || sources.contains("${" + variable))
                                .as("%s: %s is neither %s of its config mapping (or of a group of it) nor read in"
                                        + " application.properties", name, variable, method)
                                .isTrue();
                    }
                }
            }
        }
    }

    @Test
    void gpuOverlayPutsTheDiffusionWorkerOnOneGpuAndScalesItToZero() {
        JsonNode deployment = find(gpu, "Deployment", "diffusion-service");
        JsonNode container = container(deployment);
        assertThat(container.at("/resources/limits/nvidia.com~1gpu").asInt()).isEqualTo(1);
        assertThat(container.at("/resources/requests/nvidia.com~1gpu").asInt()).isEqualTo(1);
        assertThat(env(container)).containsEntry("DREAMID_DIFFUSION_DEVICE", "cuda");
        assertThat(container.get("image").asText()).contains("/dreamid-diffusion-service-gpu:");
        // A rolling update never needs a second GPU.
        assertThat(deployment.at("/spec/strategy/rollingUpdate/maxSurge").asInt(-1)).isZero();
        for (String name : List.of("gateway", "face-service", "encoder-service")) {
            assertThat(container(find(gpu, "Deployment", name)).at("/resources/limits/nvidia.com~1gpu").isMissingNode())
                    .as(name).isTrue();
        }
        JsonNode cpu = container(find(base, "Deployment", "diffusion-service"));
        assertThat(cpu.at("/resources/limits/nvidia.com~1gpu").isMissingNode()).isTrue();
        assertThat(env(cpu)).containsEntry("DREAMID_DIFFUSION_DEVICE", "cpu");

        assertThat(ManifestChecks.ofKind(gpu, "HorizontalPodAutoscaler")).as("KEDA makes the HPA").isEmpty();
        JsonNode scaler = find(gpu, "ScaledObject", "diffusion-service");
        assertThat(scaler.at("/spec/scaleTargetRef/name").asText()).isEqualTo("diffusion-service");
        assertThat(scaler.at("/spec/minReplicaCount").asInt(-1)).isZero();
        assertThat(scaler.at("/spec/maxReplicaCount").asInt()).isPositive();
        assertThat(scaler.at("/spec/cooldownPeriod").asInt()).isPositive();
        assertThat(scaler.at("/spec/fallback/replicas").asInt()).isPositive();
        JsonNode trigger = scaler.at("/spec/triggers/0");
        assertThat(trigger.path("type").asText()).isEqualTo("kafka");
        assertThat(trigger.at("/metadata/topic").asText()).isEqualTo("dreamid.identities");
        assertThat(trigger.at("/metadata/consumerGroup").asText())
                .isEqualTo(applicationProperties("diffusion-service").getProperty("dreamid.stage.inputs.identities.group"));
        assertThat(trigger.at("/metadata/activationLagThreshold").isTextual()).isTrue();
        assertThat(trigger.at("/metadata/lagThreshold").isTextual()).isTrue();
        for (String stage : List.of("face-service", "encoder-service")) {
            assertThat(find(gpu, "ScaledObject", stage).at("/spec/minReplicaCount").asInt()).as(stage).isEqualTo(1);
        }
        assertThat(find(base, "ScaledObject", "diffusion-service").at("/spec/minReplicaCount").asInt()).isEqualTo(1);
    }

    /**
     * The training Job (components/training in overlays/gpu-training): the platform's checks hold for it too, and
     * {@link ManifestChecks#training}: one node with all the GPUs it asks for, options the trainer knows (its own
     * parser reads them in trainer's TrainingJobManifestTest), inputs and checkpoints in object storage, settings the
     * trainer reads, retries that resume.
     */
    @Test
    void trainingJobRunsTheTrainerOnOneGpuNodeWithOptionsItAccepts() {
        for (var check : List.<java.util.function.Function<List<JsonNode>, List<String>>>of(ManifestChecks::schema,
                ManifestChecks::probesAndResources, ManifestChecks::references, ManifestChecks::restricted,
                checks::images, checks::topics, checks::training)) {
            assertThat(check.apply(training)).as("gpu-training overlay").isEmpty();
        }
        assertThat(ManifestChecks.ofKind(base, "Job")).as("the platform overlays run no training").isEmpty();
        assertThat(ManifestChecks.ofKind(gpu, "Job")).as("the platform overlays run no training").isEmpty();
        JsonNode job = find(training, "Job", "dreamid-train");
        JsonNode container = container(job);
        assertThat(container.at("/resources/limits/nvidia.com~1gpu").asInt()).isEqualTo(8);
        assertThat(container.get("image").asText()).contains("/dreamid-trainer-gpu:");
        assertThat(container.has("command")).as("the image's entry point is the trainer").isFalse();
        assertThat(container.path("args").toString()).contains("\"--devices\",\"gpu:all\"");
        assertThat(job.at("/spec/template/spec/tolerations/0/key").asText()).isEqualTo("nvidia.com/gpu");
        Set<String> names = new HashSet<>();
        container.path("env").forEach(v -> names.add(v.path("name").asText()));
        assertThat(names).contains("DREAMID_STORAGE_ENDPOINT", "DREAMID_STORAGE_ACCESS_KEY",
                "DREAMID_STORAGE_SECRET_KEY", "DREAMID_STORAGE_BUCKET");
        assertThat(container.path("envFrom").isMissingNode()).as("explicit settings only").isTrue();
        Set<String> mounts = new HashSet<>();
        container.path("volumeMounts").forEach(m -> mounts.add(m.path("mountPath").asText()));
        assertThat(mounts).contains("/work", "/tmp");
        // the trainer may reach MinIO, and MinIO admits it
        assertThat(find(training, "NetworkPolicy", "minio-from-trainer").at("/spec/ingress/0/from/0/podSelector"
                + "/matchLabels/app.kubernetes.io~1name").asText()).isEqualTo(job.at(
                "/spec/template/metadata/labels/app.kubernetes.io~1name").asText());
    }

    // ---------------------------------------------------------------------------------------------------------

    private static List<JsonNode> kustomize(Path dir) {
        return new ArrayList<>(Kustomize.build(dir));
    }

    /** The check finds nothing wrong in either overlay. */
    private static void assertNoProblem(java.util.function.Function<List<JsonNode>, List<String>> check) {
        assertThat(check.apply(base)).as("cpu overlay").isEmpty();
        assertThat(check.apply(gpu)).as("gpu overlay").isEmpty();
    }

    private static JsonNode find(List<JsonNode> rendered, String kind, String name) {
        JsonNode found = ManifestChecks.find(rendered, kind, name);
        if (found == null) {
            throw new AssertionError("no " + kind + " named " + name + " in the rendered manifests");
        }
        return found;
    }

    private static JsonNode container(JsonNode deployment) {
        JsonNode containers = deployment.at("/spec/template/spec/containers");
        assertThat(containers.size()).as(deployment.at("/metadata/name").asText() + " containers").isEqualTo(1);
        return containers.get(0);
    }

    private static Map<String, String> env(JsonNode container) {
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode variable : container.path("env")) {
            env.put(variable.get("name").asText(), variable.path("value").asText());
        }
        return env;
    }

    private static Properties applicationProperties(String service) {
        return checks.applicationProperties(service);
    }

    private static String mainSources(String service) {
        return ManifestChecks.sources(root.resolve(service).resolve("src/main"));
    }

    private static String envName(String property) {
        return ManifestChecks.envName(property);
    }

    /**
     * Whether the config mapping has the property {@code upperSnake} names: a method of the mapping
     * ({@code MAX_WAIT} -> {@code maxWait()}) or of one of its groups ({@code BATCH_MAX_IMAGES} -> {@code batch()}
     * with {@code maxImages()}).
     */
    private static boolean mappingReads(String sources, String upperSnake) {
        String[] parts = upperSnake.split("_");
        for (int groupParts = 0; groupParts < parts.length; groupParts++) {
            String group = String.join("_", Arrays.copyOfRange(parts, 0, groupParts));
            String leaf = String.join("_", Arrays.copyOfRange(parts, groupParts, parts.length));
            if ((group.isEmpty() || sources.contains(camelCase(group) + "()"))
                    && sources.contains(camelCase(leaf) + "()")) {
                return true;
            }
        }
        return false;
    }

    private static String camelCase(String upperSnake) {
        StringBuilder out = new StringBuilder();
        for (String part : upperSnake.toLowerCase().split("_")) {
            out.append(out.isEmpty() ? part : Character.toUpperCase(part.charAt(0)) + part.substring(1));
        }
        return out.toString();
    }
}
