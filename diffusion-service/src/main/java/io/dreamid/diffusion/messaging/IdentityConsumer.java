package io.dreamid.diffusion.messaging;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.json.Json;
import io.dreamid.common.json.MalformedMessageException;
import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.ErrorInfo;
import io.dreamid.common.messages.IdentityMessage;
import io.dreamid.diffusion.service.GenerationService;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Kafka adapter of {@code dreamid.identities}: reads an identity message, has its images generated, and
 * acknowledges only after the images and the final event exist. Unreadable messages are nacked to the dead-letter
 * topic (and the job, if the key names one, is FAILED MALFORMED_MESSAGE). Jobs run one at a time per instance (a
 * job uses every core), on a worker thread.
 */
@ApplicationScoped
public class IdentityConsumer {
    public static final String CHANNEL = "identities";
    private static final Logger LOG = Logger.getLogger(IdentityConsumer.class);

    private final GenerationService generation;
    private final StageOutput output;

    IdentityConsumer(GenerationService generation, StageOutput output) {
        this.generation = generation;
        this.output = output;
    }

    @Incoming(CHANNEL)
    @Blocking
    public CompletionStage<Void> onIdentity(Message<String> message) {
        String key = MessageKeys.key(message);
        Long waited = MessageKeys.waitMillis(message);
        IdentityMessage job;
        try {
            job = Json.readMessage(message.getPayload() == null ? null
                    : message.getPayload().getBytes(StandardCharsets.UTF_8), IdentityMessage.class);
            if (job.jobId() == null || !ObjectKeys.isSafeId(job.jobId())) {
                throw new MalformedMessageException("an identity message needs a valid jobId");
            }
        } catch (MalformedMessageException e) {
            LOG.warnf("dead-lettering an unreadable identity message (key %s): %s", key, e.getMessage());
            if (ObjectKeys.isSafeId(key)) {
                output.failed(key, null, ErrorInfo.of(ErrorCodes.MALFORMED_MESSAGE,
                        "the identity message of this job could not be read: " + e.getMessage()), Map.of());
            }
            return message.nack(e);
        }
        try {
            generation.run(job, waited);
        } catch (RuntimeException e) {
            LOG.errorf(e, "job %s: unexpected failure", job.jobId());
            output.failed(job.jobId(), job.tenant(), ErrorInfo.of(ErrorCodes.INTERNAL,
                    "generation failed unexpectedly: " + e), Map.of());
        }
        return message.ack();
    }
}
