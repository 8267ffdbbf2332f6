package io.dreamid.diffusion.messaging;

import io.dreamid.common.json.Json;
import io.dreamid.common.messages.ErrorInfo;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.SchemaVersions;
import io.dreamid.common.messages.Stage;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The job events of the stage, keyed by job id, each send awaited until the broker has it (so the input is
 * acknowledged only after its events exist). Event ids are deterministic per job and step, so a redelivered job
 * emits events the gateway recognises as duplicates.
 */
@ApplicationScoped
public class StageOutput {
    public static final String EVENTS = "job-events";
    /** Where generation starts in a job's overall progress (the encoder hands on at 0.3). */
    public static final double PROGRESS_STARTED = 0.3;

    private final MutinyEmitter<String> events;

    StageOutput(@Channel(EVENTS) MutinyEmitter<String> events) {
        this.events = events;
    }

    /**
     * The GENERATING event that starts the job. Not awaited, for the same reason as {@link #progress}: every way
     * through a job ends with an awaited event of the same key.
     */
    public void started(String jobId, String tenant, JobSpec spec, String identityId) {
        events.sendMessageAndForget(message(jobId, event(jobId, tenant, JobStatus.GENERATING, null,
                PROGRESS_STARTED, Map.of(), null, List.of(), identityId, spec)));
    }

    /**
     * A GENERATING event at model evaluation {@code done} of the job; the id names the evaluation. Not awaited:
     * a broker round trip per report would stall the denoising loop, and the producer keeps the job's events in
     * order, so the awaited SUCCEEDED (or CANCELLED, FAILED) that follows is never overtaken by a late report.
     */
    public void progress(String jobId, String tenant, int done, double progress) {
        events.sendMessageAndForget(message(jobId, event(jobId, tenant, JobStatus.GENERATING, "step-" + done,
                progress, Map.of(), null, List.of(), null, null)));
    }

    public void succeeded(String jobId, String tenant, List<String> outputs, Map<String, Long> timings,
            String identityId, List<String> notices) {
        send(jobId, new JobEvent(SchemaVersions.CURRENT, JobEvent.eventIdFor(jobId, Stage.DIFFUSION,
                JobStatus.SUCCEEDED, null), jobId, tenant, Stage.DIFFUSION, JobStatus.SUCCEEDED, 1.0, timings, null,
                outputs, identityId, null, Instant.now(), notices));
    }

    public void cancelled(String jobId, String tenant, double progress, Map<String, Long> timings) {
        send(jobId, event(jobId, tenant, JobStatus.CANCELLED, null, progress, timings, null, List.of(), null, null));
    }

    public void failed(String jobId, String tenant, ErrorInfo error, Map<String, Long> timings) {
        send(jobId, JobEvent.failed(jobId, tenant, Stage.DIFFUSION, error, timings, Instant.now()));
    }

    private static JobEvent event(String jobId, String tenant, JobStatus status, String step, double progress,
            Map<String, Long> timings, ErrorInfo error, List<String> outputs, String identityId, JobSpec spec) {
        return new JobEvent(SchemaVersions.CURRENT, JobEvent.eventIdFor(jobId, Stage.DIFFUSION, status, step), jobId,
                tenant, Stage.DIFFUSION, status, progress, timings, error, outputs, identityId, spec, Instant.now());
    }

    private void send(String jobId, JobEvent event) {
        events.sendMessageAndAwait(message(jobId, event));
    }

    private static Message<String> message(String jobId, JobEvent event) {
        return Message.of(Json.toString(event))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(jobId).build());
    }
}
