package io.dreamid.gateway.state;

import io.dreamid.common.messages.ErrorInfo;
import io.dreamid.common.messages.IdentityScore;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.Stage;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A job as the gateway shows it: the fold of the job's events (docs/CONVENTIONS.md, "Job state"). Immutable;
 * {@link #apply} returns the next view. The fold reads no clock, so every replica that folds the same events gets
 * the same view.
 *
 * @param photoRef the photo the job started from (from its job message), null for identity jobs
 * @param photos   the photos of the people of a job of several people, by photo part (from its job message)
 * @param eventIds the ids of the events already folded in, oldest first, so that a redelivered event changes
 *                 nothing
 * @param notices  the notices of the job's events, each once, in the order they first came
 * @param identityScores the identity judge's scores of the job's images, keyed by output object key: merged from
 *                 the judge's late event whatever the status (it enriches a finished job, never changes its status)
 */
public record JobView(
        String jobId,
        String tenant,
        JobStatus status,
        Stage stage,
        double progress,
        Map<String, Long> timings,
        ErrorInfo error,
        List<String> outputs,
        String identityId,
        String photoRef,
        JobSpec spec,
        Instant createdAt,
        Instant updatedAt,
        Set<String> eventIds,
        List<String> notices,
        Map<String, IdentityScore> identityScores,
        Map<String, String> photos) {

    /**
     * Bounds the dedupe memory of one job. Stages emit a handful of ids per job, so this only trims a
     * pathological producer; the oldest ids go first.
     */
    static final int MAX_EVENT_IDS = 2048;

    public JobView {
        timings = timings == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(timings));
        outputs = outputs == null ? List.of() : List.copyOf(outputs);
        eventIds = eventIds == null ? Set.of() : Collections.unmodifiableSet(new LinkedHashSet<>(eventIds));
        notices = notices == null ? List.of() : List.copyOf(notices);
        identityScores = identityScores == null ? Map.of()
                : Collections.unmodifiableMap(new LinkedHashMap<>(identityScores));
    }

    /** The view of a job before any event. */
    public static JobView empty(String jobId) {
        return new JobView(jobId, null, null, null, 0.0, Map.of(), null, List.of(), null, null, null, null, null,
                Set.of(), List.of(), Map.of(), null);
    }

    /** The job's view after {@code event}. Duplicates and regressions leave the status as it is. */
    public JobView apply(JobEvent event) {
        if (event == null || event.status() == null) {
            return this;
        }
        if (event.eventId() != null && eventIds.contains(event.eventId())) {
            return this;
        }
        Set<String> ids = new LinkedHashSet<>(eventIds);
        if (event.eventId() != null) {
            ids.add(event.eventId());
            while (ids.size() > MAX_EVENT_IDS) {
                ids.remove(ids.iterator().next());
            }
        }

        // Timings are kept even from late events: a stage that reports after a later stage still measured its work.
        Map<String, Long> mergedTimings = new LinkedHashMap<>(timings);
        if (event.timings() != null) {
            String prefix = event.stage() == null ? "" : event.stage().name().toLowerCase() + ".";
            event.timings().forEach((step, millis) -> {
                if (step != null && millis != null) {
                    mergedTimings.put(step.startsWith(prefix) ? step : prefix + step, millis);
                }
            });
        }

        // Like timings, notices are kept from late events too: they describe work that was done.
        Set<String> mergedNotices = new LinkedHashSet<>(notices);
        mergedNotices.addAll(event.notices());
        List<String> newNotices = List.copyOf(mergedNotices);

        // The identity judge's scores come after the job has ended (a late enrichment): merged whatever the status.
        Map<String, IdentityScore> newScores = identityScores;
        if (!event.identityScores().isEmpty()) {
            newScores = new LinkedHashMap<>(identityScores);
            newScores.putAll(event.identityScores());
        }

        // Who and what may arrive on any event, in any order (a stage's event can overtake the job message).
        String newTenant = tenant != null ? tenant : event.tenant();
        JobSpec newSpec = spec != null ? spec : event.spec();
        String newIdentity = identityId != null ? identityId : event.identityId();
        Instant at = event.at();
        Instant newCreated = createdAt == null || (at != null && at.isBefore(createdAt)) ? at : createdAt;

        boolean advances = status == null || (!status.isTerminal() && event.status().rank() >= status.rank());
        if (!advances) {
            return new JobView(jobId, newTenant, status, stage, progress, mergedTimings, error, outputs, newIdentity,
                    photoRef, newSpec, newCreated, updatedAt, ids, newNotices, newScores, photos);
        }

        double eventProgress = Double.isNaN(event.progress()) ? 0.0 : Math.min(1.0, Math.max(0.0, event.progress()));
        double newProgress = event.status() == JobStatus.SUCCEEDED ? 1.0 : Math.max(progress, eventProgress);
        ErrorInfo newError = event.status() == JobStatus.FAILED ? event.error() : error;
        List<String> newOutputs = event.status() == JobStatus.SUCCEEDED && event.outputs() != null
                ? event.outputs()
                : outputs;
        Instant newUpdated = updatedAt == null || (at != null && at.isAfter(updatedAt)) ? at : updatedAt;
        return new JobView(jobId, newTenant, event.status(), event.stage(), newProgress, mergedTimings, newError,
                newOutputs, newIdentity, photoRef, newSpec, newCreated, newUpdated, ids, newNotices, newScores, photos);
    }

    /** This view with the photo reference of the job message (events do not carry it); the first one stays. */
    public JobView withPhotoRef(String ref) {
        return withPhotos(ref, null);
    }

    /** This view with the photo or photos of the job message (events do not carry them); the first ones stay. */
    public JobView withPhotos(String ref, Map<String, String> people) {
        boolean newRef = photoRef == null && ref != null;
        boolean newPhotos = photos == null && people != null && !people.isEmpty();
        return !newRef && !newPhotos ? this
                : new JobView(jobId, tenant, status, stage, progress, timings, error, outputs, identityId,
                        newRef ? ref : photoRef, spec, createdAt, updatedAt, eventIds, notices, identityScores,
                        newPhotos ? Map.copyOf(people) : photos);
    }

    /** Whether this view is at least as far along as {@code other}: higher rank, or the same rank and progress. */
    public boolean isAtLeast(JobView other) {
        if (other == null || other.status == null) {
            return true;
        }
        if (status == null) {
            return false;
        }
        if (status.isTerminal()) {
            return true;
        }
        return status.rank() > other.status.rank()
                || (status.rank() == other.status.rank() && progress >= other.progress);
    }

    /**
     * Whether this is an earlier view of the same job than {@code other} in the fold's order. The fold adds each
     * new event id once, so the number of ids counts the events folded in (exact until {@link #MAX_EVENT_IDS}).
     */
    public boolean isOlderFoldThan(JobView other) {
        return other != null && eventIds.size() < other.eventIds.size();
    }

    /** Whether the job has been announced (a job message or an event with its tenant has been folded in). */
    public boolean isKnown() {
        return status != null && tenant != null;
    }
}
