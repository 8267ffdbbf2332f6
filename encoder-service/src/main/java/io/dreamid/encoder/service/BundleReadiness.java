package io.dreamid.encoder.service;

import io.dreamid.encoder.bundle.EncoderConfig;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the encoder bundle is loaded; shows which bundle serves. */
@Readiness
@ApplicationScoped
public class BundleReadiness implements HealthCheck {
    private final EncoderHolder holder;

    BundleReadiness(EncoderHolder holder) {
        this.holder = holder;
    }

    @Override
    public HealthCheckResponse call() {
        if (holder.encoder() == null) {
            return HealthCheckResponse.down("encoder-bundle");
        }
        EncoderConfig config = holder.encoder().config();
        return HealthCheckResponse.named("encoder-bundle").up()
                .withData("version", config.version())
                .withData("words", config.words())
                .withData("width", config.width())
                .build();
    }
}
