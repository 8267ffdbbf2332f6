package io.dreamid.gateway.idempotency;

import io.dreamid.common.DerivedIds;
import io.dreamid.common.messages.DatasetMessage;
import io.dreamid.common.messages.DatasetSpec;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.gateway.rest.ApiException;
import io.dreamid.gateway.state.JobStates;
import io.dreamid.gateway.state.JobView;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;

import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * Submissions with an {@code Idempotency-Key}: the key names its job. The job id is derived from the tenant and
 * the key (a name-based UUID of their SHA-256), so every gateway replica gives a repeated submission the same job
 * id without asking any other; a replica whose job state (the global store every replica reads in full) has that
 * job answers with it and publishes nothing. A repeat that arrives before the job state shows the first one (on
 * another replica, within the fold's latency) publishes the same job id again, with the same spec and seed: the
 * stages take it as a redelivery of the same job (deterministic object keys and event ids), so there is still one
 * job. The key lasts as long as its job stays in the job state ({@code dreamid.gateway.job-retention} after it
 * ends). See docs/CONVENTIONS.md, "Idempotent submissions".
 */
@ApplicationScoped
public class Idempotency {
    public static final String KEY_REUSED = "IDEMPOTENCY_KEY_REUSED";
    /** 422 Unprocessable Content (not in this JAX-RS version's Status enum). */
    private static final Response.StatusType UNPROCESSABLE = new Response.StatusType() {
        @Override
        public int getStatusCode() {
            return 422;
        }

        @Override
        public Response.Status.Family getFamily() {
            return Response.Status.Family.CLIENT_ERROR;
        }

        @Override
        public String getReasonPhrase() {
            return "Unprocessable Content";
        }
    };

    @Inject
    SubmissionKey submissionKey;

    @Inject
    JobStates states;

    /** The job id this submission must have when it carries a key; empty when it has none. */
    public Optional<String> keyedJobId(String tenant) {
        return submissionKey.key().map(key -> jobIdFor(tenant, key));
    }

    /**
     * The seed of a keyed submission that names none: derived from its job id, so that a repeated submission
     * (which may be published again, see the class comment) asks for the same images.
     */
    public static long seedFor(String jobId, long bound) {
        UUID id = UUID.fromString(jobId);
        return Math.floorMod(id.getLeastSignificantBits() ^ id.getMostSignificantBits(), bound);
    }

    /**
     * The job a previous submission of this key started, if the job state has it: that is the answer, and nothing
     * is published. A key used for a different request (another spec, or another identity) is refused with 422;
     * the photo itself is not compared.
     *
     * @param spec       the spec as it would be published (defaults and seed filled in)
     * @param identityId the identity the request names, null when it brings a photo
     */
    public Optional<JobView> firstJob(String tenant, String jobId, JobSpec spec, String identityId) {
        Optional<JobView> first = states.find(jobId);
        if (first.isEmpty()) {
            return Optional.empty();
        }
        JobView job = first.get();
        boolean sameRequest = tenant.equals(job.tenant())
                && (job.spec() == null || job.spec().equals(spec))
                && (identityId == null || identityId.equals(job.identityId()));
        return replayed(first, sameRequest, "job " + jobId);
    }

    /**
     * The dataset id this build submission must have when it carries a key (the job id of the key, with the
     * datasets' prefix); empty when it has none.
     */
    public Optional<String> keyedDatasetId(String tenant) {
        return keyedJobId(tenant).map(id -> DatasetMessage.ID_PREFIX + id);
    }

    /**
     * The build a previous submission of this key started, if the job state has it; a key used for another spec is
     * refused with 422 as for jobs.
     *
     * @param spec       the spec as it would be published (defaults and seed filled in)
     * @param firstSpec  reads the spec the first build was accepted with (null when storage no longer has it)
     */
    public Optional<JobView> firstBuild(String tenant, String datasetId, DatasetSpec spec,
            Function<String, DatasetSpec> firstSpec) {
        Optional<JobView> first = states.find(datasetId);
        if (first.isEmpty()) {
            return Optional.empty();
        }
        DatasetSpec accepted = firstSpec.apply(datasetId);
        boolean sameRequest = tenant.equals(first.get().tenant()) && (accepted == null || accepted.equals(spec));
        return replayed(first, sameRequest, "dataset " + datasetId);
    }

    private Optional<JobView> replayed(Optional<JobView> first, boolean sameRequest, String what) {
        if (!sameRequest) {
            throw new ApiException(UNPROCESSABLE, KEY_REUSED, "this "
                    + IdempotencyKeyFilter.HEADER + " was already used for a different submission (" + what
                    + "); send a new key with each new submission");
        }
        submissionKey.markReplayed();
        return first;
    }

    /** A name-based UUID (version 8 layout) of the SHA-256 of the tenant and the key. */
    static String jobIdFor(String tenant, String key) {
        return DerivedIds.uuid("dreamid-idempotency-key", tenant, key);
    }
}
