package io.dreamid.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Renders deploy/k8s with {@code kubectl kustomize} (base and GPU overlay) and checks what an operator relies on:
 * every service has a Deployment and Service that find each other, probes on /q/health, resource requests,
 * references that resolve, and settings whose names the services really read (so a renamed channel or config key
 * in a service fails here rather than in a cluster).
 */
class KubernetesManifestsTest {
    private static final Map<String, String> SERVICE_KEYS = Map.of("gateway", "GATEWAY", "face-service", "FACE",
            "encoder-service", "ENCODER", "diffusion-service", "DIFFUSION");
    private static final Map<String, Integer> SERVICE_PORTS = Map.of("gateway", 8080, "face-service", 8091,
            "encoder-service", 8092, "diffusion-service", 8093);
    private static final Pattern VAR_REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
    /** Partitions of dreamid.identities that the local runner and test-support create; consumers beyond sit idle. */
    private static final int IDENTITY_PARTITIONS = 3;

    private static Path root;
    private static List<JsonNode> base;
    private static List<JsonNode> gpu;

    @BeforeAll
    static void render() {
        root = RepoRoot.find();
        base = kustomize(root.resolve("deploy/k8s/base"));
        gpu = kustomize(root.resolve("deploy/k8s/overlays/gpu"));
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
            for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
                assertThat(container.at("/" + probe + "/httpGet/port").asText()).as(name + " " + probe).isEqualTo("http");
            }
            assertThat(container.at("/resources/requests/cpu").isMissingNode()).as(name + " cpu request").isFalse();
            assertThat(container.at("/resources/requests/memory").isMissingNode()).as(name + " memory request").isFalse();
            assertThat(container.at("/resources/limits/memory").isMissingNode()).as(name + " memory limit").isFalse();
        }
    }

    @Test
    void everyReferenceResolves() {
        for (List<JsonNode> rendered : List.of(base, gpu)) {
            Set<String> configMaps = names(rendered, "ConfigMap");
            Set<String> secrets = names(rendered, "Secret");
            for (String name : SERVICE_KEYS.keySet()) {
                JsonNode deployment = find(rendered, "Deployment", name);
                JsonNode container = container(deployment);
                Set<String> defined = new HashSet<>();
                for (JsonNode source : container.path("envFrom")) {
                    if (source.has("configMapRef")) {
                        String ref = source.at("/configMapRef/name").asText();
                        assertThat(configMaps).as(name + " envFrom").contains(ref);
                        find(rendered, "ConfigMap", ref).get("data").fieldNames().forEachRemaining(defined::add);
                    } else {
                        String ref = source.at("/secretRef/name").asText();
                        assertThat(secrets).as(name + " envFrom").contains(ref);
                        find(rendered, "Secret", ref).get("data").fieldNames().forEachRemaining(defined::add);
                    }
                }
                // Kubernetes leaves a $(VAR) whose VAR is not defined before it as literal text: a topic named
                // "$(DREAMID_TOPIC_JOBS)" would be the result.
                for (JsonNode variable : container.path("env")) {
                    Matcher m = VAR_REFERENCE.matcher(variable.path("value").asText());
                    while (m.find()) {
                        assertThat(defined).as(name + " " + variable.get("name").asText()).contains(m.group(1));
                    }
                    defined.add(variable.get("name").asText());
                }
                for (JsonNode volume : deployment.at("/spec/template/spec/volumes")) {
                    if (volume.has("secret")) {
                        assertThat(secrets).as(name + " volume").contains(volume.at("/secret/secretName").asText());
                    }
                }
            }
            for (JsonNode hpa : ofKind(rendered, "HorizontalPodAutoscaler")) {
                assertThat(hpa.at("/spec/scaleTargetRef/kind").asText()).isEqualTo("Deployment");
                find(rendered, "Deployment", hpa.at("/spec/scaleTargetRef/name").asText());
            }
        }
    }

    /** The ConfigMap's topic names, put into a service's channel settings, equal that service's own defaults. */
    @Test
    void topicDefaultsAreTheServicesOwn() {
        JsonNode platform = ofKind(base, "ConfigMap").stream()
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
                        assertThat(sources.contains(method) || sources.contains("${" + variable))
                                .as("%s: %s is neither %s of its config mapping nor read in application.properties",
                                        name, variable, method)
                                .isTrue();
                    }
                }
            }
        }
    }

    @Test
    void gpuOverlayPutsTheDiffusionWorkerOnOneGpuAndScalesIt() {
        JsonNode container = container(find(gpu, "Deployment", "diffusion-service"));
        assertThat(container.at("/resources/limits/nvidia.com~1gpu").asInt()).isEqualTo(1);
        assertThat(container.at("/resources/requests/nvidia.com~1gpu").asInt()).isEqualTo(1);
        assertThat(env(container)).containsEntry("DREAMID_DIFFUSION_DEVICE", "cuda");
        assertThat(container.get("image").asText()).endsWith("-gpu");
        for (String name : List.of("gateway", "face-service", "encoder-service")) {
            assertThat(container(find(gpu, "Deployment", name)).at("/resources/limits/nvidia.com~1gpu").isMissingNode())
                    .as(name).isTrue();
        }
        JsonNode cpu = container(find(base, "Deployment", "diffusion-service"));
        assertThat(cpu.at("/resources/limits/nvidia.com~1gpu").isMissingNode()).isTrue();
        assertThat(env(cpu)).containsEntry("DREAMID_DIFFUSION_DEVICE", "cpu");

        JsonNode hpa = find(gpu, "HorizontalPodAutoscaler", "diffusion-service");
        assertThat(hpa.at("/spec/scaleTargetRef/name").asText()).isEqualTo("diffusion-service");
        assertThat(hpa.at("/spec/metrics/0/type").asText()).isEqualTo("External");
        assertThat(hpa.at("/spec/metrics/0/external/metric/selector/matchLabels/consumergroup").asText())
                .isEqualTo(applicationProperties("diffusion-service")
                        .getProperty("dreamid.stage.inputs.identities.group"));
        for (List<JsonNode> rendered : List.of(base, gpu)) {
            JsonNode scaler = find(rendered, "HorizontalPodAutoscaler", "diffusion-service");
            assertThat(scaler.at("/spec/minReplicas").asInt()).isGreaterThanOrEqualTo(1);
            assertThat(scaler.at("/spec/maxReplicas").asInt()).isBetween(1, IDENTITY_PARTITIONS);
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    private static List<JsonNode> kustomize(Path dir) {
        return new ArrayList<>(Kustomize.build(dir));
    }

    private static List<JsonNode> ofKind(List<JsonNode> rendered, String kind) {
        return rendered.stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
    }

    private static Set<String> names(List<JsonNode> rendered, String kind) {
        return ofKind(rendered, kind).stream().map(d -> d.at("/metadata/name").asText()).collect(Collectors.toSet());
    }

    private static JsonNode find(List<JsonNode> rendered, String kind, String name) {
        return ofKind(rendered, kind).stream()
                .filter(d -> name.equals(d.at("/metadata/name").asText()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " named " + name + " in the rendered manifests"));
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
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(root.resolve(service).resolve("src/main/resources/application.properties"))) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }

    private static String mainSources(String service) {
        try (Stream<Path> files = Files.walk(root.resolve(service).resolve("src/main"))) {
            return files.filter(Files::isRegularFile)
                    .filter(p -> p.toString().endsWith(".java") || p.toString().endsWith(".properties"))
                    .map(p -> {
                        try {
                            return Files.readString(p);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .collect(Collectors.joining("\n"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The environment variable name of a property, as SmallRye Config derives it. */
    private static String envName(String property) {
        return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase();
    }

    private static String camelCase(String upperSnake) {
        StringBuilder out = new StringBuilder();
        for (String part : upperSnake.toLowerCase().split("_")) {
            out.append(out.isEmpty() ? part : Character.toUpperCase(part.charAt(0)) + part.substring(1));
        }
        return out.toString();
    }
}
