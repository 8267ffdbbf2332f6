package io.dreamid.encoder.messaging;

import io.dreamid.common.json.Json;
import io.dreamid.common.messages.ErrorInfo;
import io.dreamid.common.messages.IdentityMessage;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.SchemaVersions;
import io.dreamid.common.messages.Stage;
import io.dreamid.encoder.service.IdentityService.Identity;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything the stage sends, keyed by job id, awaited until the broker has it (so that the input is
 * acknowledged only after its output and events exist). Event ids are deterministic per job and step, so a
 * redelivered input emits events the gateway recognises as duplicates.
 *
 * <p>The ENCODING event that says work has started is not awaited: every way through a job that follows it ends
 * with an awaited event on the same topic and key, and the producer keeps a key's records in order, so the broker
 * acknowledging that later event means it has this one too. The hand-on sends the identity message and its event
 * together and awaits both, so the next stage can start one broker round trip sooner.
 */
@ApplicationScoped
public class StageOutput {
    public static final String IDENTITIES = "identities";
    public static final String EVENTS = "job-events";
    /** The worker pool that runs encodings; its size is smallrye.messaging.worker.encoder-workers.max-concurrency. */
    public static final String WORKERS = "encoder-workers";

    /** Progress of a job when the encoder starts on it and when it hands it to generation. */
    static final double PROGRESS_STARTED = 0.2;
    static final double PROGRESS_ENCODED = 0.3;

    private final MutinyEmitter<String> identities;
    private final MutinyEmitter<String> events;

    StageOutput(@Channel(IDENTITIES) MutinyEmitter<String> identities, @Channel(EVENTS) MutinyEmitter<String> events) {
        this.identities = identities;
        this.events = events;
    }

    public void started(String jobId, String tenant, JobSpec spec) {
        events.sendMessageAndForget(message(jobId, new JobEvent(SchemaVersions.CURRENT,
                JobEvent.eventIdFor(jobId, Stage.ENCODER, JobStatus.ENCODING, null), jobId, tenant, Stage.ENCODER,
                JobStatus.ENCODING, PROGRESS_STARTED, Map.of(), null, List.of(), null, spec, Instant.now())));
    }

    /** The ENCODING event with the identity and the step timings, then the identity message for generation. */
    public void handOn(String jobId, String tenant, Instant createdAt, JobSpec spec, Identity identity) {
        Uni.combine().all().unis(
                identities.sendMessage(message(jobId, new IdentityMessage(SchemaVersions.CURRENT, jobId, tenant,
                        createdAt, spec, identity.identityId(), identity.embeddingRef(), identity.encoderVersion(),
                        identity.words(), identity.width(), identity.reused()))),
                events.sendMessage(message(jobId, new JobEvent(SchemaVersions.CURRENT,
                        JobEvent.eventIdFor(jobId, Stage.ENCODER, JobStatus.ENCODING, "identity"), jobId, tenant,
                        Stage.ENCODER, JobStatus.ENCODING, PROGRESS_ENCODED, identity.timings(), null, List.of(),
                        identity.identityId(), spec, Instant.now()))))
                .discardItems().await().indefinitely();
    }

    /**
     * The end of an identity job ({@link JobSpec#isIdentityOnly()}): SUCCEEDED with the identity id and the step
     * timings; nothing goes on to generation.
     */
    public void identityReady(String jobId, String tenant, JobSpec spec, Identity identity) {
        send(events, jobId, new JobEvent(SchemaVersions.CURRENT,
                JobEvent.eventIdFor(jobId, Stage.ENCODER, JobStatus.SUCCEEDED, null),
                jobId, tenant, Stage.ENCODER, JobStatus.SUCCEEDED, 1.0, identity.timings(), null, List.of(),
                identity.identityId(), spec, Instant.now()));
    }

    public void failed(String jobId, String tenant, ErrorInfo error, Map<String, Long> timings) {
        send(events, jobId, JobEvent.failed(jobId, tenant, Stage.ENCODER, error, timings, Instant.now()));
    }

    private static void send(MutinyEmitter<String> emitter, String jobId, Object payload) {
        emitter.sendMessageAndAwait(message(jobId, payload));
    }

    private static Message<String> message(String jobId, Object payload) {
        return Message.of(Json.toString(payload))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(jobId).build());
    }
}
