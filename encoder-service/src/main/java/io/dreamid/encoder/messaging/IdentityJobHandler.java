package io.dreamid.encoder.messaging;

import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.JobMessage;
import io.dreamid.common.messages.Stage;
import io.dreamid.encoder.service.IdentityService;
import io.dreamid.stage.JobRef;
import io.dreamid.stage.Outcome;
import io.dreamid.stage.StageFailure;
import io.dreamid.stage.StageHandler;
import io.dreamid.stage.StageJob;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The encoder stage's handler on {@code dreamid.jobs} for the jobs that name an {@code identityId}: they skip
 * detection and encoding, so the encoder forwards them straight to {@code dreamid.identities} when the identity
 * exists, and fails them with IDENTITY_NOT_FOUND when it does not. Every other job belongs to the face-service,
 * which also dead-letters unreadable job messages: this input is configured with {@code dead-letter=false}, so
 * that nothing is dead-lettered twice.
 */
@ApplicationScoped
public class IdentityJobHandler implements StageHandler<JobMessage> {
    /** The runtime input this handler consumes: {@code dreamid.stage.inputs.jobs.*}. */
    static final String INPUT = "jobs";
    private static final Logger LOG = Logger.getLogger(IdentityJobHandler.class);

    private final IdentityService identities;

    IdentityJobHandler(IdentityService identities) {
        this.identities = identities;
    }

    @Override
    public Stage stage() {
        return Stage.ENCODER;
    }

    @Override
    public String input() {
        return INPUT;
    }

    @Override
    public JobMessage read(String value) {
        return JobMessage.read(value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public JobRef job(JobMessage job) {
        return job.identityId() == null || job.jobId() == null ? null : new JobRef(job.jobId(), job.tenant());
    }

    @Override
    public Outcome handle(JobMessage job, StageJob work) {
        if (job.spec() == null) {
            throw new StageFailure(ErrorCodes.BAD_SPEC, "the job has no spec");
        }
        List<String> problems = job.spec().problems(true);
        if (!problems.isEmpty()) {
            throw new StageFailure(ErrorCodes.BAD_SPEC, String.join("; ", problems));
        }
        IdentityService.Identity identity = identities.lookup(job.identityId());
        LOG.infof("job %s: forwarded identity %s", job.jobId(), identity.identityId());
        return Identities.handOn(work, job.createdAt(), job.spec(), identity);
    }
}
