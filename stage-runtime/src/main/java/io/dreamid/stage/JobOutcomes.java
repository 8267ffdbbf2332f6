package io.dreamid.stage;

import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.Stage;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Counts the jobs each stage ends, {@code dreamid_stage_jobs_ended_total{stage, status, code}}: SUCCEEDED (the last
 * stage), FAILED with its error code, CANCELLED. A job ends in exactly one stage, so the sum over the stages is the
 * platform's outcome rate; the deployment's failed-job-rate alert is built on it. A redelivered job that ends again
 * is counted again.
 */
@ApplicationScoped
public class JobOutcomes {
    /** The metric's name (Prometheus adds {@code _total}). */
    public static final String METRIC = "dreamid.stage.jobs.ended";

    private final MeterRegistry registry;

    JobOutcomes(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Counts {@code event} if it ends its job. */
    void record(Stage stage, JobEvent event) {
        if (event == null || event.status() == null || !event.status().isTerminal() || stage == Stage.JUDGE) {
            return; // the judge's event scores a job that had already ended
        }
        registry.counter(METRIC, "stage", stage.name().toLowerCase(), "status", event.status().name(),
                "code", event.error() == null || event.error().code() == null ? "" : event.error().code())
                .increment();
    }
}
