package io.dreamid.encoder.messaging;

import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.JobMessage;
import io.dreamid.common.messages.PersonIdentity;
import io.dreamid.common.messages.Stage;
import io.dreamid.encoder.service.IdentityService;
import io.dreamid.stage.JobRef;
import io.dreamid.stage.JobsHandler;
import io.dreamid.stage.Outcome;
import io.dreamid.stage.StageFailure;
import io.dreamid.stage.StageInput;
import io.dreamid.stage.StageJob;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Map;

/**
 * The encoder stage's handler on {@code dreamid.jobs} for the jobs that need no face work: a job that names an
 * {@code identityId} skips detection and encoding, so the encoder forwards it straight to
 * {@code dreamid.identities} when the identity exists, and fails it with IDENTITY_NOT_FOUND when it does not; a plain
 * text-to-image job (no photo, no identity) is handed on unchanged, with no identity, and its prompts are encoded
 * without injection by the diffusion stage; a job of several people ({@code spec.people}, {@code {id:NAME}}
 * placeholders) has each person's identity looked up and handed on together. Every other job (one with a photo) belongs to the face-service,
 * which also dead-letters unreadable job messages: this input is configured with {@code dead-letter=false}, so
 * that nothing is dead-lettered twice.
 */
@ApplicationScoped
@StageInput(stage = Stage.ENCODER, name = "jobs", message = JobMessage.class)
public class IdentityJobHandler implements JobsHandler {
    private static final Logger LOG = Logger.getLogger(IdentityJobHandler.class);

    private final IdentityService identities;

    IdentityJobHandler(IdentityService identities) {
        this.identities = identities;
    }

    @Override
    public JobRef job(JobMessage job) {
        return job.needsFaceStage() || job.jobId() == null ? null : new JobRef(job.jobId(), job.tenant());
    }

    @Override
    public Outcome handle(JobMessage job, StageJob work) {
        if (job.spec() == null) {
            throw new StageFailure(ErrorCodes.BAD_SPEC, "the job has no spec");
        }
        if (job.isTextOnly() && job.spec().isIdentityOnly()) {
            throw new StageFailure(ErrorCodes.BAD_SPEC, "an identityOnly job encodes a face: give a photoRef");
        }
        List<String> problems = job.spec().problems(job.identityId() != null);
        if (!problems.isEmpty()) {
            throw new StageFailure(ErrorCodes.BAD_SPEC, String.join("; ", problems));
        }
        if (job.isTextOnly()) {
            LOG.infof("job %s: text only, handed on without an identity", job.jobId());
            return Identities.handOnTextOnly(work, job.createdAt(), job.spec());
        }
        if (job.identityId() == null) {
            Map<String, PersonIdentity> people = Identities.people(work, job.spec(), null, identities);
            LOG.infof("job %s: forwarded the identities of %s", job.jobId(), people.keySet());
            return Identities.handOnPeople(work, job.createdAt(), job.spec(), people);
        }
        IdentityService.Identity identity = identities.lookup(job.identityId());
        LOG.infof("job %s: forwarded identity %s", job.jobId(), identity.identityId());
        return Identities.handOn(work, job.createdAt(), job.spec(), identity);
    }
}
