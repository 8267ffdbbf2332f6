package io.dreamid.deploy;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Checks of a rendered deployment that return what is wrong (empty when all is well), so that the manifests test
 * asserts them empty and the mutation test asserts that a broken manifest is caught.
 */
final class ManifestChecks {
    static final Map<String, String> SERVICE_KEYS = Map.of("gateway", "GATEWAY", "face-service", "FACE",
            "encoder-service", "ENCODER", "diffusion-service", "DIFFUSION");
    /** The stage name of each stage service: its default consumer group is dreamid-&lt;stage&gt;. */
    static final Map<String, String> STAGES = Map.of("face-service", "face", "encoder-service", "encoder",
            "diffusion-service", "diffusion");
    private static final Pattern VAR_REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
    private static final Pattern IMAGE = Pattern.compile("([a-z0-9.:-]+(?:/[a-z0-9._-]+)*)/(dreamid-[a-z-]+):([A-Za-z0-9._-]+)");

    private final Path root;

    ManifestChecks(Path root) {
        this.root = root;
    }

    /** Every object read into its typed model (fabric8, Strimzi) or checked against KEDA's fields. */
    static List<String> schema(List<? extends JsonNode> rendered) {
        List<String> problems = new ArrayList<>();
        rendered.forEach(object -> problems.addAll(ManifestSchema.problems(object)));
        return problems;
    }

    /**
     * Every container of a Deployment or StatefulSet: the three probes on a named port, requests and a memory limit;
     * a Job's containers (batch work, nothing to probe) the requests and memory limit.
     */
    static List<String> probesAndResources(List<? extends JsonNode> rendered) {
        List<String> problems = new ArrayList<>();
        for (JsonNode workload : workloads(rendered)) {
            for (JsonNode container : workload.at("/spec/template/spec/containers")) {
                String where = name(workload) + "/" + container.path("name").asText() + ": ";
                for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
                    if (!workload.path("kind").asText().equals("Job") && !container.at("/" + probe + "/httpGet/port").isTextual()) {
                        problems.add(where + "no " + probe + " on a named port");
                    }
                }
                for (String resource : List.of("/resources/requests/cpu", "/resources/requests/memory",
                        "/resources/limits/memory")) {
                    if (container.at(resource).isMissingNode()) {
                        problems.add(where + "no " + resource);
                    }
                }
            }
        }
        return problems;
    }

    /** The "restricted" Pod Security Standard, plus a read-only root filesystem and no service-account token. */
    static List<String> restricted(List<? extends JsonNode> rendered) {
        List<String> problems = new ArrayList<>();
        for (JsonNode workload : workloads(rendered)) {
            JsonNode pod = workload.at("/spec/template/spec");
            String where = name(workload) + ": ";
            require(isFalse(pod.path("automountServiceAccountToken")), problems, where + "automountServiceAccountToken is not false");
            require(pod.at("/securityContext/runAsNonRoot").asBoolean(false), problems, where + "pod runAsNonRoot is not true");
            require(pod.at("/securityContext/seccompProfile/type").asText().equals("RuntimeDefault"), problems,
                    where + "pod seccompProfile is not RuntimeDefault");
            for (JsonNode container : pod.path("containers")) {
                String c = where + container.path("name").asText() + " ";
                JsonNode sc = container.path("securityContext");
                require(isFalse(sc.path("allowPrivilegeEscalation")), problems, c + "allowPrivilegeEscalation is not false");
                require(sc.path("readOnlyRootFilesystem").asBoolean(false), problems, c + "readOnlyRootFilesystem is not true");
                require(sc.at("/capabilities/drop").toString().contains("\"ALL\""), problems, c + "does not drop ALL capabilities");
                if (sc.has("privileged") && sc.get("privileged").asBoolean()) {
                    problems.add(c + "is privileged");
                }
            }
        }
        return problems;
    }

    /**
     * Topics: every topic a service reads or writes is set from the ConfigMap (a channel or stage topic property
     * with no variable in the Deployment is "unmapped": renaming the topic in platform.env would miss it), every
     * such topic is a KafkaTopic, the compacted ones are compacted, every consumed stage topic has its .dlq topic,
     * and each KEDA trigger reads a topic whose partitions are at least its maxReplicaCount, with the service's
     * own consumer group.
     */
    List<String> topics(List<? extends JsonNode> rendered) {
        List<String> problems = new ArrayList<>();
        JsonNode platform = configMap(rendered, "dreamid-platform");
        Map<String, JsonNode> kafkaTopics = new LinkedHashMap<>();
        for (JsonNode topic : ofKind(rendered, "KafkaTopic")) {
            kafkaTopics.put(topic.at("/spec/topicName").asText(name(topic)), topic);
        }
        platform.fieldNames().forEachRemaining(key -> {
            if (key.startsWith("DREAMID_TOPIC_") && !kafkaTopics.containsKey(platform.get(key).asText())) {
                problems.add("ConfigMap " + key + "=" + platform.get(key).asText() + " has no KafkaTopic");
            }
        });
        for (String compacted : List.of("DREAMID_TOPIC_CANCELLATIONS", "DREAMID_TOPIC_JOB_STATE")) {
            JsonNode topic = kafkaTopics.get(platform.path(compacted).asText());
            if (topic != null && !topic.at("/spec/config/cleanup.policy").asText().equals("compact")) {
                problems.add("KafkaTopic " + name(topic) + " is not compacted");
            }
        }
        for (String service : SERVICE_KEYS.keySet()) {
            JsonNode deployment = find(rendered, "Deployment", service);
            if (deployment == null) {
                problems.add("no Deployment " + service);
                continue;
            }
            Map<String, String> env = env(deployment);
            Properties properties = applicationProperties(service);
            for (String property : properties.stringPropertyNames()) {
                boolean topicProperty = property.startsWith("mp.messaging.") && property.endsWith(".topic")
                        || property.startsWith("dreamid.") && (property.endsWith(".topic") || property.endsWith("-topic"));
                if (!topicProperty) {
                    continue;
                }
                String variable = envName(property);
                String value = env.get(variable);
                Matcher m = value == null ? null : VAR_REFERENCE.matcher(value);
                if (m == null || !m.matches() || !platform.has(m.group(1))) {
                    problems.add(service + ": topic " + property + " is not mapped from the ConfigMap (" + variable + ")");
                    continue;
                }
                String topic = platform.get(m.group(1)).asText();
                if (!kafkaTopics.containsKey(topic)) {
                    problems.add(service + ": " + property + " = " + topic + " has no KafkaTopic");
                }
                if (property.startsWith("dreamid.stage.inputs.") && !kafkaTopics.containsKey(topic + ".dlq")
                        && !"false".equals(properties.getProperty(property.replace(".topic", ".dead-letter")))) {
                    problems.add(service + ": " + topic + " has no dead-letter KafkaTopic " + topic + ".dlq");
                }
            }
        }
        for (JsonNode scaled : ofKind(rendered, "ScaledObject")) {
            String service = scaled.at("/spec/scaleTargetRef/name").asText();
            int max = scaled.at("/spec/maxReplicaCount").asInt(100);
            for (JsonNode trigger : scaled.at("/spec/triggers")) {
                String topicName = trigger.at("/metadata/topic").asText();
                JsonNode topic = kafkaTopics.get(topicName);
                if (topic == null) {
                    problems.add("ScaledObject " + name(scaled) + ": topic " + topicName + " has no KafkaTopic");
                } else if (topic.at("/spec/partitions").asInt() < max) {
                    problems.add("ScaledObject " + name(scaled) + ": maxReplicaCount " + max + " > "
                            + topic.at("/spec/partitions").asInt() + " partitions of " + topicName);
                }
                String group = consumerGroup(service, topicName);
                if (!trigger.at("/metadata/consumerGroup").asText().equals(group)) {
                    problems.add("ScaledObject " + name(scaled) + ": consumerGroup "
                            + trigger.at("/metadata/consumerGroup").asText() + " is not " + service + "'s " + group);
                }
            }
        }
        return problems;
    }

    /**
     * Every envFrom, secret key, secret volume and $(VAR) reference resolves. Secrets that Strimzi writes (one per
     * KafkaUser, and the cluster CA) count as present.
     */
    static List<String> references(List<? extends JsonNode> rendered) {
        List<String> problems = new ArrayList<>();
        Set<String> secrets = new java.util.HashSet<>(names(rendered, "Secret"));
        secrets.addAll(names(rendered, "KafkaUser"));
        names(rendered, "Kafka").forEach(kafka -> secrets.add(kafka + "-cluster-ca-cert"));
        secrets.add("dreamid-tls"); // the Ingress certificate: cert-manager's or yours (deploy/README.md)
        Set<String> configMaps = names(rendered, "ConfigMap");
        for (JsonNode workload : workloads(rendered)) {
            JsonNode pod = workload.at("/spec/template/spec");
            for (JsonNode container : pod.path("containers")) {
                String where = name(workload) + ": ";
                Set<String> defined = new java.util.HashSet<>();
                for (JsonNode source : container.path("envFrom")) {
                    if (source.has("configMapRef")) {
                        String ref = source.at("/configMapRef/name").asText();
                        JsonNode map = find(rendered, "ConfigMap", ref);
                        if (map == null) {
                            problems.add(where + "envFrom ConfigMap " + ref + " missing");
                        } else {
                            map.path("data").fieldNames().forEachRemaining(defined::add);
                        }
                    } else {
                        String ref = source.at("/secretRef/name").asText();
                        JsonNode secret = find(rendered, "Secret", ref);
                        if (secret == null) {
                            problems.add(where + "envFrom Secret " + ref + " missing");
                        } else {
                            secret.path("data").fieldNames().forEachRemaining(defined::add);
                        }
                    }
                }
                // Kubernetes leaves a $(VAR) whose VAR is not defined before it as literal text.
                for (JsonNode variable : container.path("env")) {
                    Matcher m = VAR_REFERENCE.matcher(variable.path("value").asText());
                    while (m.find()) {
                        if (!defined.contains(m.group(1))) {
                            problems.add(where + variable.path("name").asText() + " uses undefined $(" + m.group(1) + ")");
                        }
                    }
                    JsonNode mapKey = variable.at("/valueFrom/configMapKeyRef");
                    if (!mapKey.isMissingNode()) {
                        JsonNode map = find(rendered, "ConfigMap", mapKey.path("name").asText());
                        if (map == null || !map.path("data").has(mapKey.path("key").asText())) {
                            problems.add(where + variable.path("name").asText() + " reads missing ConfigMap key "
                                    + mapKey.path("name").asText() + "/" + mapKey.path("key").asText());
                        }
                    }
                    JsonNode secretKey = variable.at("/valueFrom/secretKeyRef");
                    if (!secretKey.isMissingNode()) {
                        String ref = secretKey.path("name").asText();
                        JsonNode secret = find(rendered, "Secret", ref);
                        if (!secrets.contains(ref) || secret != null && !secret.path("data").has(secretKey.path("key").asText())) {
                            problems.add(where + variable.path("name").asText() + " reads missing secret key " + ref
                                    + "/" + secretKey.path("key").asText());
                        }
                    }
                    defined.add(variable.path("name").asText());
                }
            }
            for (JsonNode volume : pod.path("volumes")) {
                if (volume.has("secret") && !secrets.contains(volume.at("/secret/secretName").asText())) {
                    problems.add(name(workload) + ": volume of missing Secret " + volume.at("/secret/secretName").asText());
                }
                if (volume.has("configMap") && !configMaps.contains(volume.at("/configMap/name").asText())) {
                    problems.add(name(workload) + ": volume of missing ConfigMap " + volume.at("/configMap/name").asText());
                }
            }
        }
        for (JsonNode scaled : ofKind(rendered, "ScaledObject")) {
            if (find(rendered, "Deployment", scaled.at("/spec/scaleTargetRef/name").asText()) == null) {
                problems.add("ScaledObject " + name(scaled) + " targets no Deployment");
            }
            for (JsonNode trigger : scaled.at("/spec/triggers")) {
                String auth = trigger.at("/authenticationRef/name").asText(null);
                if (auth != null && find(rendered, "TriggerAuthentication", auth) == null) {
                    problems.add("ScaledObject " + name(scaled) + ": no TriggerAuthentication " + auth);
                }
            }
        }
        for (JsonNode auth : ofKind(rendered, "TriggerAuthentication")) {
            for (JsonNode ref : auth.at("/spec/secretTargetRef")) {
                if (!secrets.contains(ref.path("name").asText())) {
                    problems.add("TriggerAuthentication " + name(auth) + ": missing Secret " + ref.path("name").asText());
                }
            }
        }
        return problems;
    }

    /**
     * Images: every DreamID container runs REGISTRY/dreamid-&lt;service&gt;[-gpu]:VERSION with one registry and one
     * version for all, never a moving tag, and the service has the Dockerfile that builds it.
     */
    List<String> images(List<? extends JsonNode> rendered) {
        List<String> problems = new ArrayList<>();
        Set<String> registries = new java.util.TreeSet<>();
        Set<String> versions = new java.util.TreeSet<>();
        for (String service : SERVICE_KEYS.keySet()) {
            JsonNode deployment = find(rendered, "Deployment", service);
            if (deployment == null) {
                continue;
            }
            String image = deployment.at("/spec/template/spec/containers/0/image").asText();
            Matcher m = IMAGE.matcher(image);
            if (!m.matches() || !(m.group(2).equals("dreamid-" + service) || m.group(2).equals("dreamid-" + service + "-gpu"))) {
                problems.add(service + ": image " + image + " is not REGISTRY/dreamid-" + service + ":VERSION");
                continue;
            }
            registries.add(m.group(1));
            versions.add(m.group(3));
            if (m.group(3).equals("latest") || m.group(3).endsWith("SNAPSHOT")) {
                problems.add(service + ": moving tag " + m.group(3));
            }
            String dockerfile = m.group(2).endsWith("-gpu") ? "Dockerfile.gpu" : "Dockerfile.jvm";
            if (!Files.isRegularFile(root.resolve(service).resolve("src/main/docker").resolve(dockerfile))) {
                problems.add(service + ": no src/main/docker/" + dockerfile + " builds " + image);
            }
        }
        for (JsonNode job : ofKind(rendered, "Job")) {
            String image = job.at("/spec/template/spec/containers/0/image").asText();
            Matcher m = IMAGE.matcher(image);
            if (!m.matches() || !m.group(2).startsWith("dreamid-trainer")) {
                problems.add(name(job) + ": image " + image + " is not REGISTRY/dreamid-trainer[-gpu]:VERSION");
                continue;
            }
            registries.add(m.group(1));
            versions.add(m.group(3));
            String dockerfile = m.group(2).endsWith("-gpu") ? "Dockerfile.gpu" : "Dockerfile.jvm";
            if (!Files.isRegularFile(root.resolve("trainer/src/main/docker").resolve(dockerfile))) {
                problems.add(name(job) + ": no trainer/src/main/docker/" + dockerfile + " builds " + image);
            }
        }
        if (registries.size() > 1 || versions.size() > 1) {
            problems.add("images differ in registry " + registries + " or version " + versions);
        }
        return problems;
    }

    /**
     * Every Job is a training run the trainer can do: one pod whose retries are fresh pods that resume
     * ({@code restartPolicy: Never}, a {@code backoffLimit}, a {@code podFailurePolicy} that fails on exit 2 and ignores
     * disruptions), the GPUs it asks for requested and limited alike and all of them devices of the run, options the
     * trainer knows with inputs from object storage and checkpoints kept there, and only variables that the trainer
     * (or common's storage code) reads, or the JVM's {@code JAVA_TOOL_OPTIONS}.
     */
    List<String> training(List<? extends JsonNode> rendered) {
        List<String> problems = new ArrayList<>();
        String sources = sources(root.resolve("trainer/src/main")) + sources(root.resolve("common/src/main"));
        for (JsonNode job : ofKind(rendered, "Job")) {
            String where = name(job) + ": ";
            JsonNode pod = job.at("/spec/template/spec");
            require(pod.path("restartPolicy").asText().equals("Never"), problems,
                    where + "restartPolicy is not Never (a retry must be a new pod that resumes from storage)");
            require(job.at("/spec/parallelism").asInt(1) == 1, problems, where + "more than one pod at a time");
            int backoff = job.at("/spec/backoffLimit").asInt(-1);
            require(backoff >= 1 && backoff <= 10, problems, where + "backoffLimit " + backoff + " is not 1-10");
            String rules = job.at("/spec/podFailurePolicy/rules").toString();
            require(rules.contains("\"FailJob\"") && rules.contains("[2]"), problems,
                    where + "no podFailurePolicy failing the Job on exit 2 (bad options or inputs)");
            require(rules.contains("\"Ignore\"") && rules.contains("DisruptionTarget"), problems,
                    where + "no podFailurePolicy ignoring disruptions (a lost node is not the run's fault)");
            JsonNode container = pod.at("/containers/0");
            int gpus = container.at("/resources/limits/nvidia.com~1gpu").asInt(0);
            require(gpus >= 1, problems, where + "no nvidia.com/gpu limit");
            require(container.at("/resources/requests/nvidia.com~1gpu").asInt(0) == gpus, problems,
                    where + "nvidia.com/gpu request differs from its limit");
            List<String> args = new ArrayList<>();
            container.path("args").forEach(a -> args.add(a.asText()));
            Map<String, String> byOption = new LinkedHashMap<>();
            for (int i = 0; i + 1 < args.size(); i += 2) {
                byOption.put(args.get(i), args.get(i + 1));
            }
            // the trainer's own parser reads these arguments in its TrainingJobManifestTest; here, without the
            // trainer on the classpath (the runner resolves this module's classpath alone), each option must be one
            // the trainer knows and the devices must be the GPUs
            String trainerMain = sources(root.resolve("trainer/src/main/java/io/dreamid/trainer"));
            for (String option : byOption.keySet()) {
                require(option.startsWith("--") && trainerMain.contains("\"" + option + "\""), problems,
                        where + option + " is not an option of the trainer");
            }
            String devices = byOption.getOrDefault("--devices", "cpu");
            require(devices.equals("gpu:all") || devices.split(",").length == gpus && devices.matches("(gpu\\d+,?)+"),
                    problems, where + "--devices " + devices + " is not the pod's " + gpus + " GPUs");
            require(byOption.getOrDefault("--batch", "").matches("\\d+")
                    && Integer.parseInt(byOption.get("--batch")) >= gpus, problems,
                    where + "--batch " + byOption.get("--batch") + " leaves a GPU without a pair");
            require(byOption.getOrDefault("--out", "").startsWith("/work/")
                    && byOption.getOrDefault("--checkpoints", "").startsWith("/work/"), problems,
                    where + "--out and --checkpoints must be on the writable /work volume");
            for (String option : List.of("--dataset-id", "--run-id", "--publish")) {
                require(byOption.containsKey(option), problems, where + "no " + option);
            }
            for (String model : List.of("--encoder", "--sd", "--torchscript")) {
                require(byOption.getOrDefault(model, "").startsWith("storage:"), problems,
                        where + model + " is not a bundle in object storage (storage:PREFIX)");
            }
            for (JsonNode variable : container.path("env")) {
                String name = variable.path("name").asText();
                require(name.equals("JAVA_TOOL_OPTIONS") || sources.contains("\"" + name + "\""), problems,
                        where + name + " is read by neither the trainer nor the JVM");
            }
        }
        return problems;
    }

    /** The text of every .java and .properties file under {@code dir}. */
    static String sources(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
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

    // --------------------------------------------------------------------------------------------------------

    private static void require(boolean ok, List<String> problems, String problem) {
        if (!ok) {
            problems.add(problem);
        }
    }

    private static boolean isFalse(JsonNode node) {
        return node.isBoolean() && !node.asBoolean();
    }

    /** The consumer group that a stage service uses for a topic: its configured one or dreamid-&lt;stage&gt;. */
    String consumerGroup(String service, String topic) {
        Properties properties = applicationProperties(service);
        for (String property : properties.stringPropertyNames()) {
            if (property.startsWith("dreamid.stage.inputs.") && property.endsWith(".topic")
                    && properties.getProperty(property).equals(topic)) {
                String group = properties.getProperty(property.replace(".topic", ".group"));
                if (group != null) {
                    return group;
                }
            }
        }
        return "dreamid-" + STAGES.getOrDefault(service, service);
    }

    Properties applicationProperties(String service) {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(root.resolve(service).resolve("src/main/resources/application.properties"))) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }

    /** The environment variable name of a property, as SmallRye Config derives it. */
    static String envName(String property) {
        return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase();
    }

    static List<JsonNode> workloads(List<? extends JsonNode> rendered) {
        List<JsonNode> out = new ArrayList<>(ofKind(rendered, "Deployment"));
        out.addAll(ofKind(rendered, "StatefulSet"));
        out.addAll(ofKind(rendered, "Job"));
        return out;
    }

    static List<JsonNode> ofKind(List<? extends JsonNode> rendered, String kind) {
        return rendered.stream().filter(d -> kind.equals(d.path("kind").asText())).map(d -> (JsonNode) d).toList();
    }

    static Set<String> names(List<? extends JsonNode> rendered, String kind) {
        Set<String> names = new java.util.HashSet<>();
        ofKind(rendered, kind).forEach(d -> names.add(name(d)));
        return names;
    }

    /** The object of that kind and name, or null. */
    static JsonNode find(List<? extends JsonNode> rendered, String kind, String name) {
        return ofKind(rendered, kind).stream().filter(d -> name.equals(name(d))).findFirst().orElse(null);
    }

    static JsonNode configMap(List<? extends JsonNode> rendered, String prefix) {
        return ofKind(rendered, "ConfigMap").stream()
                .filter(d -> name(d).startsWith(prefix))
                .findFirst().orElseThrow(() -> new AssertionError("no " + prefix + " ConfigMap")).path("data");
    }

    static String name(JsonNode object) {
        return object.at("/metadata/name").asText();
    }

    static Map<String, String> env(JsonNode deployment) {
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode variable : deployment.at("/spec/template/spec/containers/0/env")) {
            env.put(variable.get("name").asText(), variable.path("value").asText());
        }
        return env;
    }
}
