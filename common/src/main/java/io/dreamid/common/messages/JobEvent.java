package io.dreamid.common.messages;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A change of a job, on topic {@code dreamid.job-events}, keyed by {@code jobId}. The gateway folds these into
 * the job's state; duplicates and late events never move a job backwards.
 *
 * @param eventId    unique per distinct change; a redelivered stage emits the same id again, so duplicates can
 *                   be recognised ({@link #eventIdFor})
 * @param stage      the service that emitted it
 * @param status     the job's status after this change
 * @param progress   0..1 within the job as a whole (only ever grows)
 * @param timings    milliseconds per step of the emitting stage, e.g. {@code detect -> 12}; merged per job
 * @param error      why the job failed (status FAILED only)
 * @param outputs    object keys of the generated images (status SUCCEEDED only)
 * @param identityId the identity the job uses, once known
 * @param spec       the job's spec, carried so that the gateway can show jobs produced straight to Kafka
 * @param notices    what the user should know about the job's result, in words, e.g. that its images come from
 *                   a random-weights test model; shown with the job (never null)
 * @param identityScores the identity judge's scores of the job's images, keyed by output key (stage JUDGE only;
 *                   never null)
 */
public record JobEvent(
        int schemaVersion,
        String eventId,
        String jobId,
        String tenant,
        Stage stage,
        JobStatus status,
        double progress,
        Map<String, Long> timings,
        ErrorInfo error,
        List<String> outputs,
        String identityId,
        JobSpec spec,
        Instant at,
        List<String> notices,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, IdentityScore> identityScores)
        implements JobScoped {

    public JobEvent {
        notices = notices == null ? List.of() : List.copyOf(notices);
        identityScores = identityScores == null ? Map.of() : Map.copyOf(identityScores);
    }

    /** An event without identity scores, which is what every stage but the judge sends. */
    public JobEvent(int schemaVersion, String eventId, String jobId, String tenant, Stage stage, JobStatus status,
            double progress, Map<String, Long> timings, ErrorInfo error, List<String> outputs, String identityId,
            JobSpec spec, Instant at, List<String> notices) {
        this(schemaVersion, eventId, jobId, tenant, stage, status, progress, timings, error, outputs, identityId,
                spec, at, notices, Map.of());
    }

    /** An event without notices, which is what most are. */
    public JobEvent(int schemaVersion, String eventId, String jobId, String tenant, Stage stage, JobStatus status,
            double progress, Map<String, Long> timings, ErrorInfo error, List<String> outputs, String identityId,
            JobSpec spec, Instant at) {
        this(schemaVersion, eventId, jobId, tenant, stage, status, progress, timings, error, outputs, identityId,
                spec, at, List.of());
    }

    /** A deterministic event id: the same stage reporting the same step of the same job gets the same id. */
    public static String eventIdFor(String jobId, Stage stage, JobStatus status, String step) {
        return jobId + ":" + stage.name().toLowerCase() + ":" + status.name().toLowerCase()
                + (step == null || step.isEmpty() ? "" : ":" + step);
    }

    /**
     * A stage reporting progress in its running status ({@code DETECTING}, {@code ENCODING}, {@code GENERATING}):
     * {@code step} names the report within the stage (null for the report that the stage has started), so a
     * redelivered job repeats the same event id.
     */
    public static JobEvent running(String jobId, String tenant, Stage stage, JobStatus status, String step,
            double progress) {
        return new JobEvent(SchemaVersions.CURRENT, eventIdFor(jobId, stage, status, step), jobId, tenant, stage,
                status, progress, Map.of(), null, List.of(), null, null, Instant.now());
    }

    /** A plain status change with no timings, outputs or error. */
    public static JobEvent status(String jobId, String tenant, Stage stage, JobStatus status, double progress,
            Instant at) {
        return new JobEvent(SchemaVersions.CURRENT, eventIdFor(jobId, stage, status, null), jobId, tenant, stage,
                status, progress, Map.of(), null, List.of(), null, null, at);
    }

    /** The SUCCEEDED event of the stage that ends a job, with the object keys of its outputs (may be empty). */
    public static JobEvent succeeded(String jobId, String tenant, Stage stage, List<String> outputs) {
        return new JobEvent(SchemaVersions.CURRENT, eventIdFor(jobId, stage, JobStatus.SUCCEEDED, null), jobId,
                tenant, stage, JobStatus.SUCCEEDED, 1.0, Map.of(), null, outputs == null ? List.of() : outputs, null,
                null, Instant.now());
    }

    /** The CANCELLED event of a stage that stopped a job at {@code progress}. */
    public static JobEvent cancelled(String jobId, String tenant, Stage stage, double progress) {
        return new JobEvent(SchemaVersions.CURRENT, eventIdFor(jobId, stage, JobStatus.CANCELLED, null), jobId,
                tenant, stage, JobStatus.CANCELLED, progress, Map.of(), null, List.of(), null, null, Instant.now());
    }

    /** The FAILED event of a stage. */
    public static JobEvent failed(String jobId, String tenant, Stage stage, ErrorInfo error, Map<String, Long> timings,
            Instant at) {
        return new JobEvent(SchemaVersions.CURRENT, eventIdFor(jobId, stage, JobStatus.FAILED, null), jobId, tenant,
                stage, JobStatus.FAILED, 1.0, timings == null ? Map.of() : timings, error, List.of(), null, null, at);
    }

    /** This event with the stage's step timings (milliseconds, {@code <stage>.<step>}). */
    public JobEvent withTimings(Map<String, Long> stepMillis) {
        return new JobEvent(schemaVersion, eventId, jobId, tenant, stage, status, progress,
                stepMillis == null ? Map.of() : Map.copyOf(stepMillis), error, outputs, identityId, spec, at, notices,
                identityScores);
    }

    /** This event carrying the job's spec (so the gateway can show jobs produced straight to Kafka). */
    public JobEvent withSpec(JobSpec jobSpec) {
        return new JobEvent(schemaVersion, eventId, jobId, tenant, stage, status, progress, timings, error, outputs,
                identityId, jobSpec, at, notices, identityScores);
    }

    /** This event naming the identity the job uses. */
    public JobEvent withIdentity(String id) {
        return new JobEvent(schemaVersion, eventId, jobId, tenant, stage, status, progress, timings, error, outputs, id,
                spec, at, notices, identityScores);
    }

    /** This event with what the user should know about the job's result (see {@link #notices()}). */
    public JobEvent withNotices(List<String> words) {
        return new JobEvent(schemaVersion, eventId, jobId, tenant, stage, status, progress, timings, error, outputs,
                identityId, spec, at, words, identityScores);
    }

    /** This event with the identity judge's scores, keyed by output object key. */
    public JobEvent withIdentityScores(Map<String, IdentityScore> scores) {
        return new JobEvent(schemaVersion, eventId, jobId, tenant, stage, status, progress, timings, error, outputs,
                identityId, spec, at, notices, scores);
    }
}
