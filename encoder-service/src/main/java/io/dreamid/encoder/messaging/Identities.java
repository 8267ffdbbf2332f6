package io.dreamid.encoder.messaging;

import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.IdentityMessage;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.PersonIdentity;
import io.dreamid.common.messages.SchemaVersions;
import io.dreamid.encoder.service.IdentityService;
import io.dreamid.encoder.service.IdentityService.Identity;
import io.dreamid.stage.Outcome;
import io.dreamid.stage.StageFailure;
import io.dreamid.stage.StageJob;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The encoder's hand-on, shared by both of its inputs: the identity message for generation and its event. */
final class Identities {
    /** Progress of a job when the encoder starts on it and when it hands it to generation. */
    static final double PROGRESS_STARTED = 0.2;
    static final double PROGRESS_ENCODED = 0.3;
    /** Step name of the event that carries the identity and the encoder's timings. */
    static final String STEP_IDENTITY = "identity";
    /** The notice of an untrained encoder ({@code %s}: its version). */
    static final String UNTRAINED_NOTICE = "The identity encoder (%s) has an untrained projector: its words carry"
            + " the face network's features through a random projection, so the images do not resemble the person"
            + " until a trained encoder is imported.";

    private Identities() {
    }

    /** A plain text-to-image job goes on with no identity (no words): the same message, nothing encoded. */
    static Outcome handOnTextOnly(StageJob job, Instant createdAt, JobSpec spec) {
        return Outcome.handOn(new IdentityMessage(SchemaVersions.CURRENT, job.jobId(), job.tenant(), createdAt, spec,
                null, null, null, 0, 0, false),
                job.running(JobStatus.ENCODING, STEP_IDENTITY, PROGRESS_ENCODED).withTimings(job.timings())
                        .withSpec(spec));
    }

    /**
     * Each person of a job of several people: an identityId of {@code spec.people} is looked up, a {@code photo:PART}
     * is the identity of that part's aligned crop ({@code crops}, null when the job has no photos), encoded or reused.
     *
     * @throws StageFailure IDENTITY_NOT_FOUND, or BAD_SPEC when a photo part has no crop
     */
    static Map<String, PersonIdentity> people(StageJob work, JobSpec spec, Map<String, String> crops,
            IdentityService identities) {
        Map<String, PersonIdentity> people = new TreeMap<>();
        for (Map.Entry<String, String> person : new TreeMap<>(spec.people()).entrySet()) {
            String part = JobSpec.photoPart(person.getValue());
            Identity identity;
            if (part == null) {
                identity = identities.lookup(person.getValue());
            } else if (crops == null || crops.get(part) == null) {
                throw new StageFailure(ErrorCodes.BAD_SPEC, "people." + person.getKey() + " names the photo part "
                        + part + " but the job has no aligned face for it; give the job the photo " + part);
            } else {
                identity = identities.encodeCrop(crops.get(part));
            }
            identity.timings().forEach((step, millis) -> work.timings().merge(step, millis, Long::sum));
            people.put(person.getKey(), new PersonIdentity(identity.identityId(), identity.embeddingRef(),
                    identity.encoderVersion(), identity.words(), identity.width()));
        }
        return people;
    }

    /** A job of several people goes on with each name's identity (looked up or encoded). */
    static Outcome handOnPeople(StageJob job, Instant createdAt, JobSpec spec, Map<String, PersonIdentity> people) {
        return Outcome.handOn(new IdentityMessage(SchemaVersions.CURRENT, job.jobId(), job.tenant(), createdAt, spec,
                null, null, null, 0, 0, true, people),
                job.running(JobStatus.ENCODING, STEP_IDENTITY, PROGRESS_ENCODED).withTimings(job.timings())
                        .withSpec(spec));
    }

    static Outcome handOn(StageJob job, Instant createdAt, JobSpec spec, Identity identity) {
        job.timings().putAll(identity.timings());
        return Outcome.handOn(new IdentityMessage(SchemaVersions.CURRENT, job.jobId(), job.tenant(), createdAt, spec,
                identity.identityId(), identity.embeddingRef(), identity.encoderVersion(), identity.words(),
                identity.width(), identity.reused()),
                job.running(JobStatus.ENCODING, STEP_IDENTITY, PROGRESS_ENCODED).withTimings(job.timings())
                        .withIdentity(identity.identityId()).withSpec(spec)
                        .withNotices(noticesOf(identity.encoderVersion())));
    }

    /** What a user is told about identities of an encoder whose version says its projector is untrained. */
    static List<String> noticesOf(String encoderVersion) {
        return encoderVersion != null && encoderVersion.contains("untrained")
                ? List.of(String.format(UNTRAINED_NOTICE, encoderVersion)) : List.of();
    }
}
