package io.dreamid.encoder.messaging;

import io.dreamid.common.json.MalformedMessageException;
import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.ErrorInfo;
import io.dreamid.common.messages.JobMessage;
import io.dreamid.encoder.service.IdentityService;
import io.dreamid.encoder.service.StageFailure;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Kafka adapter of {@code dreamid.jobs} for the jobs that name an {@code identityId}: they skip detection and
 * encoding, so the encoder forwards them straight to {@code dreamid.identities} when the identity exists, and fails
 * them with IDENTITY_NOT_FOUND when it does not. Every other job belongs to the face-service, which also
 * dead-letters unreadable job messages; this consumer skips both, so that nothing is dead-lettered twice.
 */
@ApplicationScoped
public class JobConsumer {
    public static final String CHANNEL = "jobs";
    private static final Logger LOG = Logger.getLogger(JobConsumer.class);

    private final IdentityService identities;
    private final StageOutput output;
    private final Cancellations cancellations;

    JobConsumer(IdentityService identities, StageOutput output, Cancellations cancellations) {
        this.identities = identities;
        this.output = output;
        this.cancellations = cancellations;
    }

    @Incoming(CHANNEL)
    @Blocking(value = StageOutput.WORKERS, ordered = false)
    public CompletionStage<Void> onJob(Message<String> message) {
        JobMessage job;
        try {
            job = JobMessage.read(message.getPayload() == null ? null
                    : message.getPayload().getBytes(StandardCharsets.UTF_8));
        } catch (MalformedMessageException e) {
            LOG.debugf("skipping an unreadable job message (key %s); the face-service dead-letters it",
                    MessageKeys.key(message));
            return message.ack();
        }
        if (job.identityId() == null || job.jobId() == null || cancellations.skip(job.jobId())) {
            return message.ack();
        }
        IdentityService.Identity identity;
        try {
            if (job.spec() == null) {
                throw new StageFailure(ErrorCodes.BAD_SPEC, "the job has no spec");
            }
            var problems = job.spec().problems(true);
            if (!problems.isEmpty()) {
                throw new StageFailure(ErrorCodes.BAD_SPEC, String.join("; ", problems));
            }
            identity = identities.lookup(job.identityId());
        } catch (StageFailure e) {
            LOG.infof("job %s failed: %s", job.jobId(), e.getMessage());
            output.failed(job.jobId(), job.tenant(), e.error(), Map.of());
            return message.ack();
        } catch (RuntimeException e) {
            LOG.errorf(e, "job %s: unexpected failure", job.jobId());
            output.failed(job.jobId(), job.tenant(), ErrorInfo.of(ErrorCodes.INTERNAL,
                    "the encoder failed unexpectedly: " + e), Map.of());
            return message.ack();
        }
        output.handOn(job.jobId(), job.tenant(), job.createdAt(), job.spec(), identity);
        LOG.infof("job %s: forwarded identity %s", job.jobId(), identity.identityId());
        return message.ack();
    }
}
