package io.dreamid.gateway.health;

import io.dreamid.common.storage.ObjectStore;
import io.dreamid.gateway.state.JobStates;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Ready when job state can be answered (Kafka Streams running, global store loaded) and storage answers. */
@Readiness
@ApplicationScoped
public class GatewayReadiness implements HealthCheck {
    /** A key that never exists: a stat of it proves the bucket is reachable without reading anything. */
    private static final String PROBE_KEY = "health/gateway-probe";

    @Inject
    KafkaStreams streams;

    @Inject
    JobStates states;

    @Inject
    ObjectStore store;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("dreamid-gateway");
        boolean up = true;
        KafkaStreams.State state = streams.state();
        response.withData("kafkaStreams", state.name());
        boolean queryable = state.isRunningOrRebalancing() && states.isQueryable();
        response.withData("jobState", queryable ? "loaded (" + states.size() + " jobs)" : "not loaded");
        up &= queryable;
        try {
            store.exists(PROBE_KEY);
            response.withData("storage", "reachable (bucket " + store.bucket() + ")");
        } catch (RuntimeException e) {
            response.withData("storage", "unreachable: " + e.getMessage());
            up = false;
        }
        return response.status(up).build();
    }
}
