package io.dreamid.encoder.messaging;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.json.Json;
import io.dreamid.common.json.MalformedMessageException;
import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.ErrorInfo;
import io.dreamid.common.messages.FaceMessage;
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
 * Kafka adapter of {@code dreamid.faces}: reads a face message, has it encoded, hands the job on, and acknowledges
 * only after that. Unreadable messages are nacked to the dead-letter topic (and the job, if the key names one, is
 * FAILED MALFORMED_MESSAGE); failures of the job itself end it with their code and are acknowledged.
 */
@ApplicationScoped
public class FaceConsumer {
    public static final String CHANNEL = "faces";
    private static final Logger LOG = Logger.getLogger(FaceConsumer.class);

    private final IdentityService identities;
    private final StageOutput output;
    private final Cancellations cancellations;

    FaceConsumer(IdentityService identities, StageOutput output, Cancellations cancellations) {
        this.identities = identities;
        this.output = output;
        this.cancellations = cancellations;
    }

    @Incoming(CHANNEL)
    @Blocking(value = StageOutput.WORKERS, ordered = false)
    public CompletionStage<Void> onFace(Message<String> message) {
        String key = MessageKeys.key(message);
        Long waited = MessageKeys.waitMillis(message);
        FaceMessage face;
        try {
            face = Json.readMessage(message.getPayload() == null ? null
                    : message.getPayload().getBytes(StandardCharsets.UTF_8), FaceMessage.class);
            if (face.jobId() == null || !ObjectKeys.isSafeId(face.jobId()) || face.cropRef() == null) {
                throw new MalformedMessageException("a face message needs a valid jobId and a cropRef");
            }
        } catch (MalformedMessageException e) {
            LOG.warnf("dead-lettering an unreadable face message (key %s): %s", key, e.getMessage());
            if (ObjectKeys.isSafeId(key)) {
                output.failed(key, null, ErrorInfo.of(ErrorCodes.MALFORMED_MESSAGE,
                        "the face message of this job could not be read: " + e.getMessage()), Map.of());
            }
            return message.nack(e);
        }
        if (cancellations.skip(face.jobId())) {
            return message.ack();
        }
        output.started(face.jobId(), face.tenant(), face.spec());
        IdentityService.Identity identity;
        try {
            identity = identities.encodeCrop(face.cropRef());
            if (waited != null) {
                identity = identity.withTiming("encoder.wait", waited);
            }
        } catch (StageFailure e) {
            LOG.infof("job %s failed: %s", face.jobId(), e.getMessage());
            output.failed(face.jobId(), face.tenant(), e.error(), Map.of());
            return message.ack();
        } catch (RuntimeException e) {
            LOG.errorf(e, "job %s: unexpected failure", face.jobId());
            output.failed(face.jobId(), face.tenant(), ErrorInfo.of(ErrorCodes.INTERNAL,
                    "the encoder failed unexpectedly: " + e), Map.of());
            return message.ack();
        }
        if (cancellations.skip(face.jobId())) {
            return message.ack();
        }
        // A send that fails here propagates: the message is not acknowledged and goes to the dead-letter topic.
        if (face.spec() != null && face.spec().isIdentityOnly()) {
            output.identityReady(face.jobId(), face.tenant(), face.spec(), identity);
        } else {
            output.handOn(face.jobId(), face.tenant(), face.createdAt(), face.spec(), identity);
        }
        LOG.infof("job %s: identity %s (%s)", face.jobId(), identity.identityId(),
                identity.reused() ? "reused" : "encoded");
        return message.ack();
    }
}
