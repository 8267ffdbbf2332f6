package io.dreamid.stage;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Readiness: DOWN while an input is not consuming or a dependency (object storage, the broker) is failing. */
@Readiness
@ApplicationScoped
public class StageReadiness implements HealthCheck {
    private final StageRuntime runtime;
    private final Outages outages;

    StageReadiness(StageRuntime runtime, Outages outages) {
        this.runtime = runtime;
        this.outages = outages;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder builder = HealthCheckResponse.named("stage-runtime")
                .status(runtime.consuming() && !outages.any());
        outages.current().forEach((dependency, since) -> builder.withData(dependency + "-failing-since",
                since.toString()));
        return builder.build();
    }
}
