package io.dreamid.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Java renderer against the reference: when kubectl (kustomize v5) is on the PATH, both render every
 * kustomization of deploy/k8s and must give the same objects, names with content hashes included. Without kubectl
 * this test is skipped and the manifests test still renders with the Java renderer alone.
 */
class KustomizeTest {
    static final List<String> KUSTOMIZATIONS = List.of("deploy/k8s/base", "deploy/k8s/overlays/cpu",
            "deploy/k8s/overlays/gpu", "deploy/k8s/overlays/gpu-training");

    @Test
    void rendersWhatKubectlKustomizeRenders() throws Exception {
        Path root = RepoRoot.find();
        String version = run("kubectl", "version", "--client");
        assumeTrue(version != null && version.contains("Kustomize Version: v5"),
                "kubectl with kustomize v5 is not on the PATH: nothing to compare with");
        for (String dir : KUSTOMIZATIONS) {
            if (!root.resolve(dir).toFile().isDirectory()) {
                continue;
            }
            String reference = run("kubectl", "kustomize", root.resolve(dir).toString());
            assertThat(reference).as("kubectl kustomize " + dir).isNotNull();
            Map<String, JsonNode> expected = byId(Kustomize.parseDocuments(reference));
            Map<String, JsonNode> actual = byId(Kustomize.build(root.resolve(dir)));
            assertThat(actual.keySet()).as(dir).isEqualTo(expected.keySet());
            for (String id : expected.keySet()) {
                assertThat(difference(actual.get(id), expected.get(id), "")).as(dir + ": " + id).isEmpty();
            }
        }
    }

    @Test
    void hashSuffixIsKustomizes() {
        // Golden values from kustomize 5.5.0 (kubectl 1.32.4 kustomize) for a kustomization of
        //   configMapGenerator: [{name: demo, literals: ["A=1", "B=<x&y>"]}]
        //   secretGenerator: [{name: demo, literals: ["A=1"]}]
        // which named them demo-kh7f5d858d and demo-526mcbf5c2 (the '<' and '&' check Go's HTML-safe escaping).
        ObjectNode configMap = Kustomize.parseDocuments("""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: demo}
                data: {A: "1", B: "<x&y>"}
                """).get(0);
        ObjectNode secret = Kustomize.parseDocuments("""
                apiVersion: v1
                kind: Secret
                type: Opaque
                metadata: {name: demo}
                data: {A: MQ==}
                """).get(0);
        assertThat(Kustomize.hash(configMap)).isEqualTo(HASH_CONFIG_MAP);
        assertThat(Kustomize.hash(secret)).isEqualTo(HASH_SECRET);
    }

    static final String HASH_CONFIG_MAP = "kh7f5d858d";
    static final String HASH_SECRET = "526mcbf5c2";

    /** Where two trees first differ ("" when equal), e.g. "/spec/template: Java {...} kubectl {...}". */
    private static String difference(JsonNode actual, JsonNode expected, String path) {
        if (actual.isObject() && expected.isObject()) {
            java.util.Set<String> names = new java.util.TreeSet<>();
            actual.fieldNames().forEachRemaining(names::add);
            expected.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                JsonNode a = actual.path(name);
                JsonNode e = expected.path(name);
                String d = a.isMissingNode() || e.isMissingNode()
                        ? (a.equals(e) ? "" : path + "/" + name + ": Java " + a + " kubectl " + e)
                        : difference(a, e, path + "/" + name);
                if (!d.isEmpty()) {
                    return d;
                }
            }
            return "";
        }
        if (actual.isArray() && expected.isArray() && actual.size() == expected.size()) {
            for (int i = 0; i < actual.size(); i++) {
                String d = difference(actual.get(i), expected.get(i), path + "/" + i);
                if (!d.isEmpty()) {
                    return d;
                }
            }
            return "";
        }
        return actual.equals(expected) ? "" : path + ": Java " + actual + " kubectl " + expected;
    }

    private static Map<String, JsonNode> byId(List<ObjectNode> objects) {
        Map<String, JsonNode> out = new TreeMap<>();
        for (ObjectNode object : objects) {
            if (object.path("kind").asText().equals("Secret") && object.has("data")) {
                // kustomize folds long base64 values over lines; the API server ignores the line breaks
                ObjectNode data = (ObjectNode) object.get("data");
                data.fields().forEachRemaining(e -> data.put(e.getKey(), e.getValue().asText().replaceAll("\\s", "")));
            }
            out.put(object.path("apiVersion").asText() + " " + object.path("kind").asText() + " "
                    + object.at("/metadata/name").asText(), object);
        }
        return out;
    }

    /** The command's output, or null when it cannot run or fails. */
    private static String run(String... command) throws InterruptedException {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output;
            try (InputStream in = process.getInputStream()) {
                output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            return process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0 ? output : null;
        } catch (IOException e) {
            return null;
        }
    }
}
