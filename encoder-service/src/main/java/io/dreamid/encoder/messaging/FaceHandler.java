package io.dreamid.encoder.messaging;

import io.dreamid.common.json.MalformedMessageException;
import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.FaceMessage;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.PersonIdentity;
import io.dreamid.common.messages.Stage;
import io.dreamid.encoder.service.IdentityService;
import io.dreamid.stage.JobRef;
import io.dreamid.stage.Outcome;
import io.dreamid.stage.StageFailure;
import io.dreamid.stage.StageHandler;
import io.dreamid.stage.StageInput;
import io.dreamid.stage.StageJob;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Map;

/**
 * The encoder stage's handler on {@code dreamid.faces} (the stage runtime consumes, dead-letters, retries and
 * commits): the aligned crop becomes a stored identity, and the job goes on to generation, or ends SUCCEEDED with
 * the identity when the job only asked for one.
 */
@ApplicationScoped
@StageInput(stage = Stage.ENCODER, name = "faces", message = FaceMessage.class)
public class FaceHandler implements StageHandler<FaceMessage> {
    private static final Logger LOG = Logger.getLogger(FaceHandler.class);

    private final IdentityService identities;

    FaceHandler(IdentityService identities) {
        this.identities = identities;
    }

    /** A face message without its crop (or, for several people, its crops) cannot be worked: it is dead-lettered. */
    @Override
    public JobRef job(FaceMessage face) {
        if (face.cropRef() == null && (face.crops() == null || face.crops().isEmpty())) {
            throw new MalformedMessageException("a face message needs a cropRef (or crops)");
        }
        return StageHandler.super.job(face);
    }

    @Override
    public Outcome handle(FaceMessage face, StageJob job) {
        job.report(job.running(JobStatus.ENCODING, null, Identities.PROGRESS_STARTED).withSpec(face.spec()));
        if (face.crops() != null && !face.crops().isEmpty()) {
            if (face.spec() == null || !face.spec().isSeveralPeople()) {
                throw new StageFailure(ErrorCodes.BAD_SPEC, "a face message with crops of several people needs"
                        + " spec.people naming them (photo:PART)");
            }
            Map<String, PersonIdentity> people = Identities.people(job, face.spec(), face.crops(), identities);
            if (job.cancelled()) {
                return Outcome.nothing();
            }
            LOG.infof("job %s: the identities of %s", face.jobId(), people.keySet());
            return Identities.handOnPeople(job, face.createdAt(), face.spec(), people);
        }
        IdentityService.Identity identity = identities.encodeCrop(face.cropRef());
        if (job.cancelled()) {
            return Outcome.nothing();
        }
        LOG.infof("job %s: identity %s (%s)", face.jobId(), identity.identityId(),
                identity.reused() ? "reused" : "encoded");
        if (face.spec() != null && face.spec().isIdentityOnly()) {
            job.timings().putAll(identity.timings());
            return Outcome.event(job.succeeded(List.of()).withIdentity(identity.identityId()).withSpec(face.spec()));
        }
        return Identities.handOn(job, face.createdAt(), face.spec(), identity);
    }
}
