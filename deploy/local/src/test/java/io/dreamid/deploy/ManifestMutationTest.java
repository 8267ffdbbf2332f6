package io.dreamid.deploy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The manifest checks catch what they are for: the rendered GPU overlay passes them, and each mutation below, one
 * mistake as a person would make it in a YAML file, makes the named check report it.
 */
class ManifestMutationTest {
    private static List<ObjectNode> gpu;
    private static ManifestChecks checks;

    @BeforeAll
    static void render() {
        gpu = Kustomize.build(RepoRoot.find().resolve("deploy/k8s/overlays/gpu"));
        checks = new ManifestChecks(RepoRoot.find());
        assertThat(ManifestChecks.schema(gpu)).isEmpty();
        assertThat(ManifestChecks.probesAndResources(gpu)).isEmpty();
        assertThat(checks.topics(gpu)).isEmpty();
        assertThat(ManifestChecks.restricted(gpu)).isEmpty();
    }

    @Test
    void aWrongTypeFailsTheSchema() {
        assertThat(ManifestChecks.schema(mutated("Deployment", "diffusion-service",
                d -> podSpec(d).withObject("securityContext").put("runAsNonRoot", "yes"))))
                .anySatisfy(p -> assertThat(p).contains("diffusion-service").contains("runAsNonRoot"));
        // A quoted "true" is a string too: no coercion.
        assertThat(ManifestChecks.schema(mutated("Deployment", "gateway",
                d -> podSpec(d).withObject("securityContext").put("runAsNonRoot", "true")))).isNotEmpty();
        assertThat(ManifestChecks.schema(mutated("KafkaTopic", "dreamid.jobs",
                t -> ((ObjectNode) t.get("spec")).put("partitions", "six")))).isNotEmpty();
        assertThat(ManifestChecks.schema(mutated("ScaledObject", "diffusion-service",
                s -> ((ObjectNode) s.get("spec")).put("minReplicaCount", "0")))).isNotEmpty();
        // KEDA reads trigger metadata as strings only.
        assertThat(ManifestChecks.schema(mutated("ScaledObject", "diffusion-service",
                s -> ((ObjectNode) s.at("/spec/triggers/0/metadata")).put("lagThreshold", 2)))).isNotEmpty();
    }

    @Test
    void aMisspelledFieldFailsTheSchema() {
        assertThat(ManifestChecks.schema(mutated("Deployment", "diffusion-service", d -> {
            ObjectNode pod = podSpec(d);
            pod.set("toleration", pod.remove("tolerations"));
        }))).anySatisfy(p -> assertThat(p).contains("unknown field").contains("toleration"));
        assertThat(ManifestChecks.schema(mutated("Deployment", "face-service", d -> {
            ObjectNode container = (ObjectNode) podSpec(d).withArray("containers").get(0);
            container.set("readinesProbe", container.remove("readinessProbe"));
        }))).anySatisfy(p -> assertThat(p).contains("readinesProbe"));
        assertThat(ManifestChecks.schema(mutated("Kafka", "dreamid",
                k -> ((ObjectNode) k.at("/spec/kafka")).put("listener", "tls")))).isNotEmpty();
        assertThat(ManifestChecks.schema(mutated("KafkaUser", "dreamid-face",
                u -> ((ObjectNode) u.at("/spec/authorization/acls/0/resource")).put("patterntype", "literal"))))
                .isNotEmpty();
        assertThat(ManifestChecks.schema(mutated("ScaledObject", "diffusion-service",
                s -> ((ObjectNode) s.get("spec")).put("minReplicas", 0)))).isNotEmpty();
        assertThat(ManifestChecks.schema(mutated("ScaledObject", "diffusion-service",
                s -> ((ObjectNode) s.at("/spec/triggers/0/metadata")).put("consumergroup", "x")))).isNotEmpty();
        assertThat(ManifestChecks.schema(mutated("PrometheusRule", "dreamid",
                r -> ((ObjectNode) r.at("/spec/groups/0/rules/0")).put("expression", "up")))).isNotEmpty();
    }

    @Test
    void aMissingProbeFails() {
        assertThat(ManifestChecks.probesAndResources(mutated("Deployment", "encoder-service",
                d -> ((ObjectNode) podSpec(d).withArray("containers").get(0)).remove("livenessProbe"))))
                .containsExactly("encoder-service/encoder-service: no livenessProbe on a named port");
    }

    @Test
    void anUnmappedTopicFails() {
        // The encoder's cancellations topic no longer set from the ConfigMap: a rename in platform.env would miss it.
        assertThat(checks.topics(mutated("Deployment", "encoder-service", d -> removeEnv(d, "DREAMID_STAGE_CANCELLATIONS_TOPIC"))))
                .containsExactly("encoder-service: topic dreamid.stage.cancellations-topic is not mapped from the ConfigMap"
                        + " (DREAMID_STAGE_CANCELLATIONS_TOPIC)");
        // A topic with no KafkaTopic (it would be auto-created uncompacted, or not at all).
        assertThat(checks.topics(without("KafkaTopic", "dreamid.cancellations")))
                .anySatisfy(p -> assertThat(p).contains("dreamid.cancellations").contains("no KafkaTopic"));
        assertThat(checks.topics(without("KafkaTopic", "dreamid.faces.dlq")))
                .anySatisfy(p -> assertThat(p).contains("dead-letter"));
    }

    @Test
    void fewerPartitionsThanConsumersOrAWrongGroupFails() {
        assertThat(checks.topics(mutated("KafkaTopic", "dreamid.identities",
                t -> ((ObjectNode) t.get("spec")).put("partitions", 2))))
                .anySatisfy(p -> assertThat(p).contains("maxReplicaCount 4 > 2 partitions of dreamid.identities"));
        assertThat(checks.topics(mutated("ScaledObject", "face-service",
                s -> ((ObjectNode) s.at("/spec/triggers/0/metadata")).put("consumerGroup", "dreamid-faces"))))
                .anySatisfy(p -> assertThat(p).contains("consumerGroup dreamid-faces"));
        assertThat(checks.topics(mutated("KafkaTopic", "dreamid.cancellations",
                t -> ((ObjectNode) t.at("/spec/config")).put("cleanup.policy", "delete"))))
                .containsExactly("KafkaTopic dreamid.cancellations is not compacted");
    }

    @Test
    void aRootOrWritablePodFails() {
        assertThat(ManifestChecks.restricted(mutated("Deployment", "gateway", d -> {
            ObjectNode container = (ObjectNode) podSpec(d).withArray("containers").get(0);
            container.withObject("securityContext").put("readOnlyRootFilesystem", false);
            podSpec(d).remove("automountServiceAccountToken");
        }))).hasSize(2);
        assertThat(ManifestChecks.references(mutated("Deployment", "face-service",
                d -> ((ObjectNode) podSpec(d).withArray("containers").get(0).at("/env/0/valueFrom/secretKeyRef"))
                        .put("name", "dreamid-fase")))).isNotEmpty();
    }

    /** The same mistakes made in the YAML files themselves, rendered from a copy of deploy/k8s. */
    @Test
    void mistakesInTheFilesFailAfterRendering(@TempDir Path copy) throws IOException {
        Path source = RepoRoot.find().resolve("deploy/k8s");
        try (Stream<Path> files = Files.walk(source)) {
            for (Path file : files.toList()) {
                Path target = copy.resolve(source.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
        Path gpuPatch = copy.resolve("components/gpu/diffusion-gpu.yaml");
        String original = Files.readString(gpuPatch);
        Files.writeString(gpuPatch, original.replace("      tolerations:", "      toleration:"));
        assertThat(ManifestChecks.schema(Kustomize.build(copy.resolve("overlays/gpu"))))
                .anySatisfy(p -> assertThat(p).contains("unknown field /spec/template/spec/toleration"));

        Files.writeString(gpuPatch, original);
        Path face = copy.resolve("base/face-service.yaml");
        Files.writeString(face, Files.readString(face).replace("runAsNonRoot: true", "runAsNonRoot: \"yes\""));
        assertThat(ManifestChecks.schema(Kustomize.build(copy.resolve("overlays/gpu"))))
                .anySatisfy(p -> assertThat(p).contains("face-service").contains("runAsNonRoot"));
    }

    // --------------------------------------------------------------------------------------------------------

    @Test
    void aTrainingJobTheTrainerCannotRunFails() {
        List<ObjectNode> training = Kustomize.build(RepoRoot.find().resolve("deploy/k8s/overlays/gpu-training"));
        assertThat(checks.training(training)).isEmpty();
        assertThat(checks.training(mutated(training, "Job", "dreamid-train",
                j -> ((ArrayNode) podSpec(j).at("/containers/0/args")).set(0, "--dataset-name"))))
                .anySatisfy(p -> assertThat(p).contains("--dataset-name is not an option of the trainer"));
        assertThat(checks.training(mutated(training, "Job", "dreamid-train",
                j -> ((ArrayNode) podSpec(j).at("/containers/0/args")).set(8, "--output"))))
                .anySatisfy(p -> assertThat(p).contains("--output is not an option of the trainer"));
        assertThat(checks.training(mutated(training, "Job", "dreamid-train",
                j -> ((ObjectNode) podSpec(j).at("/containers/0/env/0")).put("name", "DREAMID_S3_ENDPOINT"))))
                .anySatisfy(p -> assertThat(p).contains("DREAMID_S3_ENDPOINT is read by neither"));
        assertThat(checks.training(mutated(training, "Job", "dreamid-train",
                j -> ((ObjectNode) podSpec(j).at("/containers/0/resources/limits")).remove("nvidia.com/gpu"))))
                .anySatisfy(p -> assertThat(p).contains("no nvidia.com/gpu limit"));
        assertThat(checks.training(mutated(training, "Job", "dreamid-train",
                j -> ((ObjectNode) podSpec(j).at("/containers/0/resources/limits")).put("nvidia.com/gpu", 128))))
                .anySatisfy(p -> assertThat(p).contains("leaves a GPU without a pair"));
        assertThat(checks.training(mutated(training, "Job", "dreamid-train",
                j -> podSpec(j).put("restartPolicy", "OnFailure"))))
                .anySatisfy(p -> assertThat(p).contains("restartPolicy is not Never"));
        assertThat(checks.training(mutated(training, "Job", "dreamid-train",
                j -> ((ObjectNode) j.get("spec")).remove("podFailurePolicy"))))
                .anySatisfy(p -> assertThat(p).contains("exit 2"));
    }

    private static List<ObjectNode> mutated(String kind, String name, Consumer<ObjectNode> mutation) {
        return mutated(gpu, kind, name, mutation);
    }

    private static List<ObjectNode> mutated(List<ObjectNode> rendered, String kind, String name,
            Consumer<ObjectNode> mutation) {
        List<ObjectNode> copy = new ArrayList<>();
        boolean found = false;
        for (ObjectNode object : rendered) {
            ObjectNode c = object.deepCopy();
            if (kind.equals(c.path("kind").asText()) && name.equals(c.at("/metadata/name").asText())) {
                mutation.accept(c);
                found = true;
            }
            copy.add(c);
        }
        assertThat(found).as(kind + " " + name).isTrue();
        return copy;
    }

    private static List<ObjectNode> without(String kind, String name) {
        return gpu.stream()
                .filter(o -> !(kind.equals(o.path("kind").asText()) && name.equals(o.at("/metadata/name").asText())))
                .toList();
    }

    private static ObjectNode podSpec(ObjectNode deployment) {
        return (ObjectNode) deployment.at("/spec/template/spec");
    }

    private static void removeEnv(ObjectNode deployment, String variable) {
        ArrayNode env = (ArrayNode) podSpec(deployment).at("/containers/0/env");
        for (int i = 0; i < env.size(); i++) {
            if (env.get(i).path("name").asText().equals(variable)) {
                env.remove(i);
                return;
            }
        }
        throw new AssertionError("no " + variable);
    }
}
