package io.dreamid.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The part of kustomize that deploy/k8s uses, in Java, so that the manifests are rendered and checked inside
 * {@code ./mvnw verify} with no binary: {@code resources} (files and folders), {@code components},
 * {@code configMapGenerator} and {@code secretGenerator} ({@code envs}, {@code literals}, {@code files},
 * {@code behavior}, {@code options.disableNameSuffixHash}) with kustomize's content hash and the rewriting of the
 * references to the hashed names, {@code labels} (metadata only), {@code patches} (strategic merge, by the patch's
 * own kind and name or a {@code target}) and {@code images}. A field it does not know fails the render, so a
 * kustomization that starts using another feature fails here until the renderer learns it (or kubectl, which the
 * test compares against when it is on the PATH, shows what it should do).
 */
final class Kustomize {
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Set<String> SUPPORTED = Set.of("apiVersion", "kind", "resources", "components", "labels",
            "images", "patches", "configMapGenerator", "secretGenerator");
    /** API groups whose objects kustomize patches strategically; anything else (custom resources) is merge-patched. */
    private static final Set<String> BUILT_IN_GROUPS = Set.of("", "apps", "batch", "policy", "autoscaling",
            "networking.k8s.io", "rbac.authorization.k8s.io");
    /** Merge keys of the lists a strategic merge patch merges element by element (Kubernetes' patchMergeKey). */
    private static final Map<String, String> MERGE_KEYS = Map.of("containers", "name", "initContainers", "name",
            "env", "name", "volumes", "name", "volumeMounts", "mountPath", "ports", "containerPort",
            "imagePullSecrets", "name", "topologySpreadConstraints", "topologyKey");
    private static final Set<String> WORKLOADS = Set.of("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
            "Job", "CronJob", "Pod");

    private Kustomize() {
    }

    /** A rendered object, and for a generated ConfigMap or Secret whether its name gets the content hash. */
    private record Item(ObjectNode object, boolean hashed) {
    }

    /** Renders the kustomization in {@code dir} as {@code kustomize build} does. */
    static List<ObjectNode> build(Path dir) {
        List<Item> items = accumulate(dir, new ArrayList<>(), false);
        Map<String, String> renamed = new LinkedHashMap<>();
        for (Item item : items) {
            if (item.hashed()) {
                ObjectNode metadata = (ObjectNode) item.object().get("metadata");
                String name = metadata.get("name").asText();
                String hashedName = name + "-" + hash(item.object());
                metadata.put("name", hashedName);
                renamed.put(kind(item.object()) + "/" + name, hashedName);
            }
        }
        List<ObjectNode> out = new ArrayList<>();
        for (Item item : items) {
            if (WORKLOADS.contains(kind(item.object()))) {
                rewriteReferences(item.object(), renamed);
            }
            out.add(item.object());
        }
        return out;
    }

    private static List<Item> accumulate(Path dir, List<Item> items, boolean asComponent) {
        JsonNode k = readKustomization(dir);
        String kind = k.path("kind").asText("Kustomization");
        if (asComponent != kind.equals("Component")) {
            throw new IllegalArgumentException(dir + ": a " + kind + " where a "
                    + (asComponent ? "Component" : "Kustomization") + " is expected");
        }
        k.fieldNames().forEachRemaining(field -> {
            if (!SUPPORTED.contains(field)) {
                throw new UnsupportedOperationException(dir + "/kustomization.yaml: '" + field
                        + "' is not supported by the Java renderer (Kustomize.java); teach it, or render with kubectl");
            }
        });
        for (JsonNode resource : k.path("resources")) {
            Path path = dir.resolve(resource.asText()).normalize();
            if (Files.isDirectory(path)) {
                items.addAll(accumulate(path, new ArrayList<>(), false));
            } else {
                for (ObjectNode object : readDocuments(path)) {
                    items.add(new Item(object, false));
                }
            }
        }
        for (JsonNode component : k.path("components")) {
            items = accumulate(dir.resolve(component.asText()).normalize(), items, true);
        }
        for (JsonNode generator : k.path("configMapGenerator")) {
            generate(dir, generator, "ConfigMap", items);
        }
        for (JsonNode generator : k.path("secretGenerator")) {
            generate(dir, generator, "Secret", items);
        }
        for (JsonNode patch : k.path("patches")) {
            applyPatch(dir, patch, items);
        }
        for (JsonNode label : k.path("labels")) {
            if (label.path("includeSelectors").asBoolean(false) || label.path("includeTemplates").asBoolean(false)) {
                throw new UnsupportedOperationException(dir + ": labels with includeSelectors/includeTemplates");
            }
            for (Item item : items) {
                ObjectNode metadata = (ObjectNode) item.object().get("metadata");
                ObjectNode labels = metadata.has("labels") ? (ObjectNode) metadata.get("labels") : metadata.putObject("labels");
                label.path("pairs").fields().forEachRemaining(pair -> labels.set(pair.getKey(), pair.getValue()));
            }
        }
        for (JsonNode image : k.path("images")) {
            for (Item item : items) {
                setImages(item.object(), image);
            }
        }
        return items;
    }

    private static JsonNode readKustomization(Path dir) {
        for (String name : List.of("kustomization.yaml", "kustomization.yml", "Kustomization")) {
            Path file = dir.resolve(name);
            if (Files.isRegularFile(file)) {
                try {
                    return YAML.readTree(file.toFile());
                } catch (IOException e) {
                    throw new UncheckedIOException(file + ": " + e.getMessage(), e);
                }
            }
        }
        throw new IllegalArgumentException("no kustomization in " + dir);
    }

    static List<ObjectNode> readDocuments(Path file) {
        try {
            return parseDocuments(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    static List<ObjectNode> parseDocuments(String yaml) {
        List<ObjectNode> documents = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (it.hasNext()) {
                JsonNode document = it.next();
                if (document != null && !document.isNull() && !document.isMissingNode() && !document.isEmpty()) {
                    documents.add((ObjectNode) document);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        return documents;
    }

    // -------------------------------------------------------------------------------------------- generators

    private static void generate(Path dir, JsonNode generator, String kind, List<Item> items) {
        String name = generator.get("name").asText();
        Map<String, String> data = new TreeMap<>();
        for (JsonNode env : generator.path("envs")) {
            try {
                for (String line : Files.readAllLines(dir.resolve(env.asText()))) {
                    String trimmed = line.strip();
                    if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
                        putPair(data, trimmed, env.asText());
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        for (JsonNode literal : generator.path("literals")) {
            putPair(data, literal.asText(), "literals of " + name);
        }
        for (JsonNode file : generator.path("files")) {
            String spec = file.asText();
            int eq = spec.indexOf('=');
            Path path = dir.resolve(eq < 0 ? spec : spec.substring(eq + 1));
            String key = eq < 0 ? path.getFileName().toString() : spec.substring(0, eq);
            try {
                data.put(key, Files.readString(path));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        String behavior = generator.path("behavior").asText("create");
        boolean hashed = !generator.at("/options/disableNameSuffixHash").asBoolean(false);
        Item existing = items.stream()
                .filter(i -> kind.equals(kind(i.object())) && name.equals(i.object().at("/metadata/name").asText()))
                .findFirst().orElse(null);
        if (behavior.equals("create")) {
            if (existing != null) {
                throw new IllegalArgumentException(kind + " " + name + " generated twice (use behavior merge/replace)");
            }
            ObjectNode object = JsonNodeFactory.instance.objectNode();
            object.put("apiVersion", "v1");
            object.put("kind", kind);
            object.putObject("metadata").put("name", name);
            if (kind.equals("Secret")) {
                object.put("type", generator.path("type").asText("Opaque"));
            }
            object.set("data", encodeData(kind, data));
            items.add(new Item(object, hashed));
            return;
        }
        if (existing == null) {
            throw new IllegalArgumentException(kind + " " + name + ": behavior " + behavior + " with nothing to " + behavior);
        }
        ObjectNode target = existing.object();
        if (behavior.equals("replace")) {
            target.set("data", encodeData(kind, data));
        } else if (behavior.equals("merge")) {
            ObjectNode merged = target.has("data") ? (ObjectNode) target.get("data") : target.putObject("data");
            encodeData(kind, data).fields().forEachRemaining(e -> merged.set(e.getKey(), e.getValue()));
        } else {
            throw new IllegalArgumentException("unknown generator behavior " + behavior);
        }
        items.set(items.indexOf(existing), new Item(target, generator.has("options") ? hashed : existing.hashed()));
    }

    private static void putPair(Map<String, String> data, String pair, String where) {
        int eq = pair.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException(where + ": not KEY=VALUE: " + pair);
        }
        String value = pair.substring(eq + 1);
        if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"")
                || value.startsWith("'") && value.endsWith("'"))) {
            value = value.substring(1, value.length() - 1);
        }
        data.put(pair.substring(0, eq), value);
    }

    private static ObjectNode encodeData(String kind, Map<String, String> data) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        data.forEach((key, value) -> node.put(key, kind.equals("Secret")
                ? Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)) : value));
        return node;
    }

    /**
     * kustomize's name suffix (api/hasher): the SHA-256 of Go's JSON of {data, kind, name: "", type (Secret)}
     * with sorted keys, its first ten hex digits with 0, 1, 3, a, e replaced by g, h, k, m, t.
     */
    static String hash(ObjectNode object) {
        Map<String, Object> encoded = new TreeMap<>();
        encoded.put("kind", kind(object));
        encoded.put("name", ""); // kustomize hashes the generated object before it has its name
        Map<String, Object> data = new TreeMap<>();
        object.path("data").fields().forEachRemaining(e -> data.put(e.getKey(), e.getValue().asText()));
        encoded.put("data", data);
        if (kind(object).equals("Secret")) {
            encoded.put("type", object.path("type").asText());
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(goJson(encoded).getBytes(StandardCharsets.UTF_8));
            char[] hex = HexFormat.of().formatHex(digest).substring(0, 10).toCharArray();
            for (int i = 0; i < hex.length; i++) {
                hex[i] = switch (hex[i]) {
                    case '0' -> 'g';
                    case '1' -> 'h';
                    case '3' -> 'k';
                    case 'a' -> 'm';
                    case 'e' -> 't';
                    default -> hex[i];
                };
            }
            return new String(hex);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Go's encoding/json of nested sorted maps of strings, with its HTML-safe escaping. */
    @SuppressWarnings("unchecked")
    private static String goJson(Object value) {
        if (value instanceof Map<?, ?> map) {
            StringBuilder out = new StringBuilder("{");
            ((Map<String, Object>) map).forEach((k, v) -> {
                if (out.length() > 1) {
                    out.append(',');
                }
                out.append(goJson(k)).append(':').append(goJson(v));
            });
            return out.append('}').toString();
        }
        String s = (String) value;
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '<', '>', '&', '\u2028', '\u2029' -> out.append(String.format("\\u%04x", (int) c));
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    private static void rewriteReferences(JsonNode node, Map<String, String> renamed) {
        if (node.isObject()) {
            ObjectNode object = (ObjectNode) node;
            rename(object, "configMapRef", "name", "ConfigMap", renamed);
            rename(object, "configMapKeyRef", "name", "ConfigMap", renamed);
            rename(object, "configMap", "name", "ConfigMap", renamed);
            rename(object, "secretRef", "name", "Secret", renamed);
            rename(object, "secretKeyRef", "name", "Secret", renamed);
            rename(object, "secret", "secretName", "Secret", renamed);
            rename(object, "secret", "name", "Secret", renamed);
            object.elements().forEachRemaining(child -> rewriteReferences(child, renamed));
        } else if (node.isArray()) {
            node.elements().forEachRemaining(child -> rewriteReferences(child, renamed));
        }
    }

    private static void rename(ObjectNode parent, String field, String nameField, String kind, Map<String, String> renamed) {
        JsonNode ref = parent.get(field);
        if (ref != null && ref.isObject() && ref.has(nameField)) {
            String to = renamed.get(kind + "/" + ref.get(nameField).asText());
            if (to != null) {
                ((ObjectNode) ref).put(nameField, to);
            }
        }
    }

    // ----------------------------------------------------------------------------------------------- patches

    private static void applyPatch(Path dir, JsonNode spec, List<Item> items) {
        String text;
        try {
            text = spec.has("path") ? Files.readString(dir.resolve(spec.get("path").asText())) : spec.path("patch").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        JsonNode target = spec.path("target");
        JsonNode operations = parseTree(text);
        if (operations.isArray()) {
            int applied = 0;
            for (Item item : items) {
                if (!target.isMissingNode() && matchesTarget(item.object(), target)) {
                    for (JsonNode operation : operations) {
                        jsonPatch(item.object(), operation);
                    }
                    applied++;
                }
            }
            if (applied == 0) {
                throw new IllegalArgumentException(dir + ": JSON patch " + spec + " matches no object");
            }
            return;
        }
        List<ObjectNode> patches = parseDocuments(text);
        for (ObjectNode patch : patches) {
            int applied = 0;
            for (Item item : items) {
                ObjectNode object = item.object();
                boolean matches = target.isMissingNode()
                        ? kind(object).equals(kind(patch))
                        && object.at("/metadata/name").asText().equals(patch.at("/metadata/name").asText())
                        : matchesTarget(object, target);
                if (matches) {
                    ObjectNode body = patch.deepCopy();
                    if (!target.isMissingNode()) {
                        body.remove(List.of("apiVersion", "kind", "metadata"));
                    } else {
                        body.remove(List.of("apiVersion", "kind"));
                    }
                    merge(object, body, BUILT_IN_GROUPS.contains(group(object)));
                    applied++;
                }
            }
            if (applied == 0) {
                throw new IllegalArgumentException(dir + ": patch " + spec + " matches no object");
            }
        }
    }

    private static JsonNode parseTree(String text) {
        try {
            JsonNode tree = YAML.readTree(text);
            return tree == null ? JsonNodeFactory.instance.missingNode() : tree;
        } catch (IOException e) {
            // several documents: a strategic merge patch file
            return JsonNodeFactory.instance.objectNode();
        }
    }

    /** One RFC 6902 operation: add, replace or remove. */
    private static void jsonPatch(ObjectNode object, JsonNode operation) {
        String op = operation.path("op").asText();
        String path = operation.path("path").asText();
        int slash = path.lastIndexOf('/');
        JsonNode parent = object.at(path.substring(0, slash));
        String last = path.substring(slash + 1).replace("~1", "/").replace("~0", "~");
        if (parent.isObject()) {
            ObjectNode p = (ObjectNode) parent;
            switch (op) {
                case "add", "replace" -> p.set(last, operation.get("value").deepCopy());
                case "remove" -> p.remove(last);
                default -> throw new UnsupportedOperationException("JSON patch op " + op);
            }
        } else if (parent.isArray()) {
            ArrayNode a = (ArrayNode) parent;
            int index = last.equals("-") ? a.size() : Integer.parseInt(last);
            switch (op) {
                case "add" -> a.insert(index, operation.get("value").deepCopy());
                case "replace" -> a.set(index, operation.get("value").deepCopy());
                case "remove" -> a.remove(index);
                default -> throw new UnsupportedOperationException("JSON patch op " + op);
            }
        } else {
            throw new IllegalArgumentException("JSON patch path " + path + " does not exist");
        }
    }

    private static boolean matchesTarget(ObjectNode object, JsonNode target) {
        return (!target.has("kind") || target.get("kind").asText().equals(kind(object)))
                && (!target.has("name") || target.get("name").asText().equals(object.at("/metadata/name").asText()))
                && (!target.has("group") || target.get("group").asText().equals(group(object)));
    }

    /** A strategic merge patch (merge keys of {@link #MERGE_KEYS}) or, for custom resources, a JSON merge patch. */
    private static void merge(ObjectNode into, ObjectNode patch, boolean strategic) {
        Iterator<Map.Entry<String, JsonNode>> fields = patch.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String key = field.getKey();
            JsonNode value = field.getValue();
            JsonNode current = into.get(key);
            if (value.isNull()) {
                into.remove(key);
            } else if (value.isObject() && current != null && current.isObject()) {
                merge((ObjectNode) current, (ObjectNode) value, strategic);
            } else if (strategic && value.isArray() && current != null && current.isArray() && MERGE_KEYS.containsKey(key)) {
                mergeList((ArrayNode) current, (ArrayNode) value, MERGE_KEYS.get(key));
            } else {
                into.set(key, value.deepCopy());
            }
        }
    }

    /**
     * Elements of the patch first, in its order (merged into the original element of the same key), then the
     * original elements the patch does not name, as Kubernetes' strategic merge orders a list without
     * {@code $setElementOrder}.
     */
    private static void mergeList(ArrayNode into, ArrayNode patch, String mergeKey) {
        List<JsonNode> original = new ArrayList<>();
        into.elements().forEachRemaining(original::add);
        List<JsonNode> result = new ArrayList<>();
        for (JsonNode element : patch) {
            JsonNode key = element.get(mergeKey);
            JsonNode match = null;
            for (JsonNode candidate : original) {
                if (key != null && key.equals(candidate.get(mergeKey))) {
                    match = candidate;
                }
            }
            original.remove(match);
            if ("delete".equals(element.path("$patch").asText())) {
                continue;
            }
            if (match != null) {
                merge((ObjectNode) match, (ObjectNode) element, true);
                result.add(match);
            } else {
                result.add(element.deepCopy());
            }
        }
        result.addAll(original);
        into.removeAll();
        into.addAll(result);
    }

    // ------------------------------------------------------------------------------------------------ images

    private static void setImages(JsonNode node, JsonNode image) {
        if (node.isObject()) {
            node.fields().forEachRemaining(field -> {
                if ((field.getKey().equals("containers") || field.getKey().equals("initContainers"))
                        && field.getValue().isArray()) {
                    for (JsonNode container : field.getValue()) {
                        JsonNode current = container.get("image");
                        if (current != null && current.isTextual()) {
                            String replaced = replaceImage(current.asText(), image);
                            if (replaced != null) {
                                ((ObjectNode) container).set("image", TextNode.valueOf(replaced));
                            }
                        }
                    }
                } else {
                    setImages(field.getValue(), image);
                }
            });
        } else if (node.isArray()) {
            node.elements().forEachRemaining(child -> setImages(child, image));
        }
    }

    private static String replaceImage(String reference, JsonNode image) {
        String name = reference;
        String tag = null;
        int at = reference.indexOf('@');
        int colon = reference.lastIndexOf(':');
        if (at >= 0) {
            name = reference.substring(0, at);
            tag = reference.substring(at);
        } else if (colon > reference.lastIndexOf('/')) {
            name = reference.substring(0, colon);
            tag = reference.substring(colon);
        }
        if (!name.equals(image.path("name").asText())) {
            return null;
        }
        String newName = image.path("newName").asText(name);
        if (image.has("digest")) {
            return newName + "@" + image.get("digest").asText();
        }
        if (image.has("newTag")) {
            return newName + ":" + image.get("newTag").asText();
        }
        return newName + (tag == null ? "" : tag);
    }

    // --------------------------------------------------------------------------------------------------------

    static String kind(JsonNode object) {
        return object.path("kind").asText();
    }

    static String group(JsonNode object) {
        String apiVersion = object.path("apiVersion").asText();
        int slash = apiVersion.indexOf('/');
        return slash < 0 ? "" : apiVersion.substring(0, slash);
    }
}
