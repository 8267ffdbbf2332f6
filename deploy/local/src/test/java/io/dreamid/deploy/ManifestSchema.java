package io.dreamid.deploy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import io.strimzi.api.kafka.model.user.KafkaUser;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Typed validation of rendered Kubernetes objects, offline: each object is read into its class of fabric8's
 * kubernetes-model (core kinds, Prometheus operator kinds) or Strimzi's api model (Kafka, KafkaNodePool,
 * KafkaTopic, KafkaUser), with no coercion of scalars ({@code runAsNonRoot: "yes"} or {@code "true"} fails) and no
 * unknown field anywhere (the models keep those in {@code additionalProperties}, which must stay empty: a
 * {@code toleration:} fails). KEDA has no Java model: its ScaledObject and TriggerAuthentication are checked
 * against the fields of KEDA v2's CRDs written out below. A kind with no schema here is an error.
 */
final class ManifestSchema {
    private static final Map<String, Class<?>> TYPED = Map.ofEntries(
            Map.entry("v1/ConfigMap", ConfigMap.class),
            Map.entry("v1/Secret", Secret.class),
            Map.entry("v1/Service", Service.class),
            Map.entry("v1/ServiceAccount", ServiceAccount.class),
            Map.entry("v1/PersistentVolumeClaim", PersistentVolumeClaim.class),
            Map.entry("apps/v1/Deployment", Deployment.class),
            Map.entry("apps/v1/StatefulSet", StatefulSet.class),
            Map.entry("batch/v1/Job", Job.class),
            Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
            Map.entry("networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class),
            Map.entry("networking.k8s.io/v1/Ingress", Ingress.class),
            Map.entry("monitoring.coreos.com/v1/ServiceMonitor", ServiceMonitor.class),
            Map.entry("monitoring.coreos.com/v1/PrometheusRule", PrometheusRule.class),
            Map.entry("monitoring.coreos.com/v1/PodMonitor", PodMonitor.class),
            Map.entry("kafka.strimzi.io/v1beta2/Kafka", Kafka.class),
            Map.entry("kafka.strimzi.io/v1beta2/KafkaNodePool", KafkaNodePool.class),
            Map.entry("kafka.strimzi.io/v1beta2/KafkaTopic", KafkaTopic.class),
            Map.entry("kafka.strimzi.io/v1beta2/KafkaUser", KafkaUser.class));

    private static final ObjectMapper STRICT = strictMapper();

    // KEDA v2 (keda.sh/v1alpha1) fields. A String names a scalar type; a Map an object with exactly those fields;
    // a List of one element an array of it; a Class a fabric8 type; "string-map" a map of string values.
    private static final Map<String, Object> METADATA = Map.of("name", "string", "namespace", "string",
            "labels", "string-map", "annotations", "string-map");
    private static final Map<String, Object> SCALED_OBJECT = Map.of(
            "apiVersion", "string", "kind", "string", "metadata", METADATA,
            "spec", Map.ofEntries(
                    Map.entry("scaleTargetRef", Map.of("apiVersion", "string", "kind", "string", "name", "string",
                            "envSourceContainerName", "string")),
                    Map.entry("pollingInterval", "int"),
                    Map.entry("cooldownPeriod", "int"),
                    Map.entry("initialCooldownPeriod", "int"),
                    Map.entry("idleReplicaCount", "int"),
                    Map.entry("minReplicaCount", "int"),
                    Map.entry("maxReplicaCount", "int"),
                    Map.entry("fallback", Map.of("failureThreshold", "int", "replicas", "int", "behavior", "string")),
                    Map.entry("advanced", Map.of("restoreToOriginalReplicaCount", "bool",
                            "horizontalPodAutoscalerConfig", Map.of("name", "string",
                                    "behavior", HorizontalPodAutoscalerBehavior.class))),
                    Map.entry("triggers", List.of(Map.of("type", "string", "name", "string", "metadata", "string-map",
                            "authenticationRef", Map.of("name", "string", "kind", "string"),
                            "metricType", "string", "useCachedMetrics", "bool")))));
    private static final Map<String, Object> TRIGGER_AUTHENTICATION = Map.of(
            "apiVersion", "string", "kind", "string", "metadata", METADATA,
            "spec", Map.of("secretTargetRef", List.of(Map.of("parameter", "string", "name", "string", "key", "string"))));
    /** Metadata keys of KEDA's kafka scaler (keda/pkg/scalers/kafka_scaler.go). */
    static final Set<String> KAFKA_TRIGGER_KEYS = Set.of("bootstrapServers", "bootstrapServersFromEnv",
            "consumerGroup", "consumerGroupFromEnv", "topic", "topicFromEnv", "partitionLimitation", "lagThreshold",
            "activationLagThreshold", "offsetResetPolicy", "allowIdleConsumers", "excludePersistentLag",
            "scaleToZeroOnInvalidOffset", "limitToPartitionsWithLag", "ensureEvenDistributionOfPartitions", "version",
            "sasl", "tls", "unsafeSsl");

    private ManifestSchema() {
    }

    private static final Map<String, List<String>> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    /** The problems of one rendered object, empty when it conforms (remembered per content: tests re-check copies). */
    static List<String> problems(JsonNode object) {
        return CACHE.computeIfAbsent(object.toString(), k -> check(object));
    }

    private static List<String> check(JsonNode object) {
        String id = object.path("apiVersion").asText() + "/" + object.path("kind").asText();
        String where = id + " " + object.at("/metadata/name").asText() + ": ";
        List<String> problems = new ArrayList<>();
        Class<?> type = TYPED.get(id);
        if (type != null) {
            try {
                Object parsed = STRICT.treeToValue(object, type);
                unknownFields(parsed, "", problems, Collections.newSetFromMap(new IdentityHashMap<>()));
            } catch (Exception e) {
                problems.add(describe(e));
            }
        } else if (id.equals("keda.sh/v1alpha1/ScaledObject")) {
            check(object, SCALED_OBJECT, "", problems);
            for (JsonNode trigger : object.at("/spec/triggers")) {
                if (trigger.path("type").asText().equals("kafka")) {
                    trigger.path("metadata").fieldNames().forEachRemaining(key -> {
                        if (!KAFKA_TRIGGER_KEYS.contains(key)) {
                            problems.add("kafka trigger: unknown metadata " + key);
                        }
                    });
                }
            }
        } else if (id.equals("keda.sh/v1alpha1/TriggerAuthentication")) {
            check(object, TRIGGER_AUTHENTICATION, "", problems);
        } else {
            problems.add("no schema for " + id + " (add its model to ManifestSchema)");
        }
        return problems.stream().map(p -> where + p).toList();
    }

    /** A parse failure as "at /spec/...: message". */
    private static String describe(Exception e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
        if (e instanceof JsonMappingException mapping) {
            StringBuilder path = new StringBuilder();
            for (JsonMappingException.Reference ref : mapping.getPath()) {
                path.append('/').append(ref.getFieldName() != null ? ref.getFieldName() : String.valueOf(ref.getIndex()));
            }
            return "at " + path + ": " + message;
        }
        return message;
    }

    private static ObjectMapper strictMapper() {
        ObjectMapper mapper = new ObjectMapper();
        mapper.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        mapper.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        for (LogicalType scalar : List.of(LogicalType.Boolean, LogicalType.Integer, LogicalType.Float)) {
            mapper.coercionConfigFor(scalar).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        }
        mapper.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        return mapper;
    }

    /** Every non-empty {@code additionalProperties} of a model object, i.e. a field the model does not know. */
    private static void unknownFields(Object value, String path, List<String> problems, Set<Object> seen) {
        if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean
                || value instanceof Enum<?> || !seen.add(value)) {
            return;
        }
        if (value instanceof Collection<?> collection) {
            int i = 0;
            for (Object element : collection) {
                unknownFields(element, path + "/" + i++, problems, seen);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> unknownFields(v, path + "/" + k, problems, seen));
            return;
        }
        String pkg = value.getClass().getPackageName();
        if (!pkg.startsWith("io.fabric8") && !pkg.startsWith("io.strimzi")) {
            return;
        }
        for (Class<?> c = value.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field field : c.getDeclaredFields()) {
                if (Modifier.isStatic(field.getModifiers())) {
                    continue;
                }
                try {
                    field.setAccessible(true);
                    Object child = field.get(value);
                    if (field.getName().equals("additionalProperties") && child instanceof Map<?, ?> extra) {
                        extra.keySet().forEach(k -> problems.add("unknown field " + path + "/" + k));
                    } else {
                        unknownFields(child, path + "/" + field.getName(), problems, seen);
                    }
                } catch (ReflectiveOperationException | RuntimeException e) {
                    // a field the module system hides: the model's own, not the manifest's
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void check(JsonNode node, Object schema, String path, List<String> problems) {
        if (schema instanceof Map<?, ?> fields) {
            if (!node.isObject()) {
                problems.add(path + ": an object expected, found " + node.getNodeType());
                return;
            }
            node.fields().forEachRemaining(field -> {
                Object sub = ((Map<String, Object>) fields).get(field.getKey());
                if (sub == null) {
                    problems.add("unknown field " + path + "/" + field.getKey());
                } else {
                    check(field.getValue(), sub, path + "/" + field.getKey(), problems);
                }
            });
        } else if (schema instanceof List<?> element) {
            if (!node.isArray()) {
                problems.add(path + ": a list expected, found " + node.getNodeType());
                return;
            }
            for (int i = 0; i < node.size(); i++) {
                check(node.get(i), element.get(0), path + "/" + i, problems);
            }
        } else if (schema instanceof Class<?> type) {
            try {
                unknownFields(STRICT.treeToValue(node, type), path, problems,
                        Collections.newSetFromMap(new IdentityHashMap<>()));
            } catch (Exception e) {
                problems.add(path + " " + describe(e));
            }
        } else {
            boolean ok = switch ((String) schema) {
                case "string" -> node.isTextual();
                case "int" -> node.isIntegralNumber();
                case "bool" -> node.isBoolean();
                case "string-map" -> node.isObject() && allTextual(node);
                default -> throw new IllegalStateException("schema type " + schema);
            };
            if (!ok) {
                problems.add(path + ": " + schema + " expected, found " + node);
            }
        }
    }

    private static boolean allTextual(JsonNode node) {
        for (JsonNode value : node) {
            if (!value.isTextual()) {
                return false;
            }
        }
        return true;
    }
}
