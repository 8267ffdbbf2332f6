package io.dreamid.gateway.service;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.image.BadImageException;
import io.dreamid.common.image.ImageHeader;
import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.image.SafeImageDecoder;
import io.dreamid.common.messages.CancelRequest;
import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.JobMessage;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.Placeholders;
import io.dreamid.common.messages.SchemaVersions;
import io.dreamid.common.messages.Stage;
import io.dreamid.common.storage.ObjectNotFoundException;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.common.storage.ObjectTooLargeException;
import io.dreamid.gateway.config.GatewayConfig;
import io.dreamid.gateway.idempotency.Idempotency;
import io.dreamid.gateway.messaging.JobPublisher;
import io.dreamid.gateway.rest.ApiException;
import io.dreamid.gateway.state.JobStates;
import io.dreamid.gateway.state.JobView;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Accepts and cancels jobs: validates, stores the photo, publishes, and remembers the change for
 * read-your-writes. Nothing is published unless every check has passed. Blocking: call from worker threads.
 */
@ApplicationScoped
public class JobSubmissions {
    /** Seeds are drawn below 2^31 so that every sampler implementation, even one with an int seed, can take them. */
    static final long SEED_BOUND = 1L << 31;

    @Inject
    GatewayConfig config;

    @Inject
    ObjectStore store;

    @Inject
    JobPublisher publisher;

    @Inject
    JobStates states;

    @Inject
    MeterRegistry metrics;

    @Inject
    UploadBudget uploads;

    @Inject
    Idempotency idempotency;

    @Inject
    PromptLimits promptLimits;

    Clock clock = Clock.systemUTC();
    private ImageLimits limits;

    @PostConstruct
    void init() {
        limits = new ImageLimits(config.maxImageBytes().asLongValue(), config.maxImageWidth(),
                config.maxImageHeight(), config.maxImagePixels());
    }

    public ImageLimits limits() {
        return limits;
    }

    /**
     * A job from an uploaded photo and its spec.
     *
     * @param size  the photo's size in bytes, reserved in the upload budget before {@code photo} reads it
     * @param photo reads the photo's bytes
     */
    public JobView submitPhoto(String tenant, long size, Supplier<byte[]> photo, JobSpec spec) {
        return counted(() -> {
            checkSpec(spec, true);
            try (UploadBudget.Reservation room = uploads.reserve(size)) {
                byte[] bytes = photo.get();
                ImageHeader header = checkImage(bytes, "the photo");
                return accept(tenant, spec, bytes, header, null);
            }
        });
    }

    /**
     * A job without a photo or an identity of its own: plain text-to-image (prompts that name nobody), or a job of
     * several people, each named by {@code {id:NAME}} and mapped to an identity in {@code spec.people}. It takes the
     * same topics as every job; the face stage ignores it and the encoder stage hands it on without encoding.
     */
    public JobView submitWithoutPhoto(String tenant, JobSpec spec) {
        return counted(() -> {
            if (spec.isIdentityOnly()) {
                throw ApiException.badRequest(ErrorCodes.BAD_IMAGE, "an identity is encoded from a photo; attach"
                        + " one as the part 'photo'");
            }
            checkSpec(spec, false);
            if (spec.isSeveralPeople()) {
                spec.people().values().forEach(this::checkIdentity);
            }
            return accept(tenant, spec, null, null, null);
        });
    }

    /**
     * A photo of one person of a job of several people, not read yet.
     *
     * @param size  its size in bytes, reserved in the upload budget before {@code bytes} reads it
     * @param bytes reads the photo
     */
    public record PersonPhoto(long size, Supplier<byte[]> bytes) {
    }

    /**
     * A job of several people with photos: each photo part {@code PART} (multipart part {@code photo:PART}, or a
     * {@code photos} entry of a JSON body) is the person {@code {id:PART}} unless {@code spec.people} maps that
     * name already; {@code spec.people} may name other people by identityId. Every photo goes through the face
     * and encoder stages, and each person's words go at their own placeholder.
     */
    public JobView submitPeople(String tenant, JobSpec requested, Map<String, PersonPhoto> photos) {
        return counted(() -> {
            for (String part : photos.keySet()) {
                if (!Placeholders.isName(part)) {
                    throw ApiException.badRequest(ErrorCodes.BAD_SPEC, "\"photo:" + part + "\" is not a photo part"
                            + " name; name each part photo:NAME with the NAME of its {id:NAME} (letters, digits, '-'"
                            + " and '_', at most " + Placeholders.MAX_NAME_LENGTH + " characters)");
                }
            }
            JobSpec spec = withPhotoParts(requested, photos.keySet());
            checkSpec(spec, false);
            if (!spec.photoParts().equals(new TreeSet<>(photos.keySet()))) {
                throw ApiException.badRequest(ErrorCodes.BAD_SPEC, "the photo parts " + new TreeSet<>(photos.keySet())
                        + " must be the people the prompts name ({id:NAME} with a part photo:NAME, or \"people\":"
                        + " {\"NAME\": \"photo:PART\"}); people names the photo parts " + spec.photoParts());
            }
            spec.people().values().stream().filter(v -> JobSpec.photoPart(v) == null).forEach(this::checkIdentity);
            long total = photos.values().stream().mapToLong(PersonPhoto::size).sum();
            try (UploadBudget.Reservation room = uploads.reserve(total)) {
                Map<String, Upload> uploads = new TreeMap<>();
                photos.forEach((part, photo) -> {
                    byte[] bytes = photo.bytes().get();
                    uploads.put(part, new Upload(bytes, checkImage(bytes, "the photo 'photo:" + part + "'")));
                });
                return accept(tenant, spec, null, null, null, uploads);
            }
        });
    }

    /** The spec with each photo part that a prompt names {@code {id:PART}} and people leaves out mapped to it. */
    static JobSpec withPhotoParts(JobSpec spec, Set<String> parts) {
        Map<String, String> people = new TreeMap<>(spec.people() == null ? Map.of() : spec.people());
        Set<String> used = spec.placeholderNames();
        for (String part : parts) {
            if (used.contains(part) && !people.containsKey(part)) {
                people.put(part, JobSpec.PHOTO_PREFIX + part);
            }
        }
        return new JobSpec(spec.prompts(), spec.negativePrompt(), spec.imagesPerPrompt(), spec.steps(),
                spec.guidanceScale(), spec.seed(), spec.width(), spec.height(), spec.scheduler(), spec.face(),
                spec.identityOnly(), people.isEmpty() ? null : people);
    }

    /** The photos of a JSON body's {@code photos}: objects the tenant owns, read when the job is checked. */
    Map<String, PersonPhoto> storedPhotos(String tenant, Map<String, String> refs) {
        Map<String, PersonPhoto> photos = new TreeMap<>();
        refs.forEach((part, ref) -> {
            if (ref == null || !ownsReference(tenant, ref)) {
                throw photoNotFound(ref);
            }
            long size = store.stat(ref).orElseThrow(() -> photoNotFound(ref)).size();
            if (size > limits.maxBytes()) {
                throw tooLarge("the photo " + ref + " is " + size + " bytes");
            }
            photos.put(part, new PersonPhoto(size, () -> readPhoto(ref)));
        });
        return photos;
    }

    /** A checked photo of one person. */
    private record Upload(byte[] bytes, ImageHeader header) {
    }

    /** Whether a request without a photo or an identity is one this gateway runs (text-only or several people). */
    public static boolean needsNoPhoto(JobSpec spec) {
        return !spec.isIdentityOnly() && (spec.isSeveralPeople() || !spec.namesAPerson());
    }

    /** A job from a photo already in storage, from an identity encoded earlier, or from text only. */
    public JobView submitReference(String tenant, JobRequests.JobRequest request) {
        if (request.photos() != null && !request.photos().isEmpty()) {
            if (request.photoRef() != null || request.identityId() != null) {
                throw ApiException.badRequest(ErrorCodes.BAD_SPEC, "\"photos\" are the photos of several people"
                        + " ({id:NAME}); leave \"photoRef\" and \"identityId\" out");
            }
            return submitPeople(tenant, request.spec(), storedPhotos(tenant, request.photos()));
        }
        boolean hasPhoto = request.photoRef() != null && !request.photoRef().isBlank();
        boolean hasIdentity = request.identityId() != null && !request.identityId().isBlank();
        if (!hasPhoto && !hasIdentity && needsNoPhoto(request.spec())) {
            return submitWithoutPhoto(tenant, request.spec());
        }
        return counted(() -> {
            checkSpec(request.spec(), true);
            if (hasPhoto == hasIdentity) {
                throw ApiException.badRequest(ErrorCodes.BAD_SPEC, "give exactly one of \"photoRef\" (an object key"
                        + " of a photo in storage) and \"identityId\" (an identity encoded earlier) for the person"
                        + " the prompts name with {id}, or upload the photo as multipart/form-data (for a plain"
                        + " text-to-image job, leave both out and the placeholder too)");
            }
            if (hasIdentity) {
                checkIdentity(request.identityId());
                return accept(tenant, request.spec(), null, null, request.identityId());
            }
            if (!ownsReference(tenant, request.photoRef())) {
                throw photoNotFound(request.photoRef());
            }
            long size = store.stat(request.photoRef()).orElseThrow(() -> photoNotFound(request.photoRef())).size();
            if (size > limits.maxBytes()) {
                throw tooLarge("the photo " + request.photoRef() + " is " + size + " bytes");
            }
            try (UploadBudget.Reservation room = uploads.reserve(size)) {
                byte[] photo = readPhoto(request.photoRef());
                ImageHeader header = checkImage(photo, "the photo " + request.photoRef());
                return accept(tenant, request.spec(), photo, header, null);
            }
        });
    }

    /** Cancels a job that has not ended yet. */
    public JobView cancel(String tenant, JobView job) {
        if (job.status().isTerminal()) {
            throw new ApiException(Response.Status.CONFLICT, "JOB_FINISHED", "job " + job.jobId()
                    + " has already ended with status " + job.status() + "; there is nothing to cancel");
        }
        Instant now = clock.instant();
        JobEvent cancelled = JobEvent.status(job.jobId(), tenant, Stage.GATEWAY, JobStatus.CANCELLED,
                job.progress(), now);
        publisher.publishCancelled(CancelRequest.of(job.jobId(), tenant, now), cancelled);
        JobView view = job.apply(cancelled);
        states.published(view);
        metrics.counter("dreamid.gateway.cancellations").increment();
        return view;
    }

    private JobView accept(String tenant, JobSpec requested, byte[] photo, ImageHeader header, String identityId) {
        return accept(tenant, requested, photo, header, identityId, Map.of());
    }

    private JobView accept(String tenant, JobSpec requested, byte[] photo, ImageHeader header, String identityId,
            Map<String, Upload> people) {
        promptLimits.check(requested, identityId);
        Optional<String> keyed = idempotency.keyedJobId(tenant);
        String jobId = keyed.orElseGet(() -> UUID.randomUUID().toString());
        long seed = requested.seed() != null ? requested.seed()
                : keyed.isPresent() ? Idempotency.seedFor(jobId, SEED_BOUND)
                : ThreadLocalRandom.current().nextLong(SEED_BOUND);
        JobSpec spec = requested.withDefaults().withSeed(seed);
        if (keyed.isPresent()) {
            Optional<JobView> first = idempotency.firstJob(tenant, jobId, spec, identityId);
            if (first.isPresent()) {
                return first.get();
            }
        }
        Instant now = clock.instant();
        String photoRef = null;
        if (photo != null) {
            photoRef = ObjectKeys.input(jobId, header.extension());
            store.put(photoRef, photo, header.mimeType(), Map.of("tenant", tenant));
        }
        Map<String, String> photos = new TreeMap<>();
        people.forEach((part, upload) -> {
            String key = ObjectKeys.personInput(jobId, part, upload.header().extension());
            store.put(key, upload.bytes(), upload.header().mimeType(), Map.of("tenant", tenant));
            photos.put(part, key);
        });
        JobMessage job = JobMessage.of(jobId, tenant, now, photoRef, identityId, spec, photos);
        JobEvent accepted = new JobEvent(SchemaVersions.CURRENT,
                JobEvent.eventIdFor(jobId, Stage.GATEWAY, JobStatus.ACCEPTED, null), jobId, tenant, Stage.GATEWAY,
                JobStatus.ACCEPTED, 0.0, Map.of(), null, List.of(), identityId, spec, now);
        try {
            if (keyed.isPresent()) {
                publisher.publishAcceptedInOrder(job, accepted);
            } else {
                publisher.publishAccepted(job, accepted);
            }
        } catch (JobPublisher.PublishException e) {
            if (keyed.isPresent()) {
                // Not withdrawn: if it reaches the broker late it is the job the client's retry with the same key
                // names (the same id), and it runs once; its ACCEPTED event was not sent without it.
                throw new JobPublisher.PublishException(e.getMessage() + "; send the submission again with the same "
                        + "Idempotency-Key: it names job " + jobId, e);
            }
            Instant withdrawn = clock.instant();
            publisher.withdraw(CancelRequest.of(jobId, tenant, withdrawn),
                    JobEvent.status(jobId, tenant, Stage.GATEWAY, JobStatus.CANCELLED, 0.0, withdrawn));
            throw new JobPublisher.PublishException(e.getMessage() + "; job " + jobId + " is withdrawn (it will end"
                    + " CANCELLED if it reaches the broker late)", e);
        }
        JobView view = JobView.empty(jobId).apply(accepted).withPhotos(photoRef, photos);
        states.published(view);
        return view;
    }

    private static void checkSpec(JobSpec spec, boolean withPerson) {
        List<String> problems = spec.problems(withPerson);
        if (!problems.isEmpty()) {
            throw new ApiException(Response.Status.BAD_REQUEST, ErrorCodes.BAD_SPEC,
                    "the spec is not valid: " + String.join("; ", problems), problems);
        }
    }

    private ImageHeader checkImage(byte[] photo, String what) {
        if (photo == null || photo.length == 0) {
            throw ApiException.badRequest(ErrorCodes.BAD_IMAGE, what + " is empty; upload a JPEG or PNG of a face");
        }
        if (photo.length > limits.maxBytes()) {
            throw tooLarge(what + " is " + photo.length + " bytes");
        }
        try {
            // Decoding catches what the header cannot show: a truncated or corrupt file. The pixels are not
            // converted: the face-service decodes the photo for its own use.
            return SafeImageDecoder.verify(photo, limits);
        } catch (BadImageException e) {
            throw ApiException.badRequest(ErrorCodes.BAD_IMAGE, what + " cannot be used: " + e.getMessage());
        }
    }

    /** A photo the tenant owns (checked by the caller), at most max-image-bytes. */
    private byte[] readPhoto(String photoRef) {
        try {
            return store.get(photoRef, limits.maxBytes());
        } catch (ObjectNotFoundException e) {
            throw photoNotFound(photoRef);
        } catch (ObjectTooLargeException e) {
            throw tooLarge("the photo " + photoRef + " is larger than that");
        }
    }

    /**
     * A tenant may name objects under its own prefix {@code tenants/{tenant}/} or the input photo of one of its
     * own jobs ({@code inputs/{jobId}/...}); anything else is reported as missing, so that the answer does not
     * tell whether another tenant's object exists.
     */
    boolean ownsReference(String tenant, String key) {
        if (key.contains("..") || key.startsWith("/") || key.contains("//")) {
            return false;
        }
        if (key.startsWith(tenantPrefix(tenant))) {
            return key.length() > tenantPrefix(tenant).length();
        }
        String[] parts = key.split("/");
        if (parts.length == 3 && parts[0].equals("inputs") && ObjectKeys.isSafeId(parts[1])) {
            return states.find(parts[1]).map(job -> tenant.equals(job.tenant())).orElse(false);
        }
        return false;
    }

    public static String tenantPrefix(String tenant) {
        return "tenants/" + tenant + "/";
    }

    private void checkIdentity(String identityId) {
        if (!ObjectKeys.isSafeId(identityId)) {
            throw ApiException.badRequest(ErrorCodes.BAD_SPEC, "identityId \"" + identityId + "\" is not a valid id"
                    + " (letters, digits, '.', '_', '-'; at most 128 characters)");
        }
        if (!store.exists(ObjectKeys.identity(identityId))) {
            throw ApiException.notFound(ErrorCodes.IDENTITY_NOT_FOUND, "there is no identity \"" + identityId
                    + "\"; submit a photo first and use the identityId of that job");
        }
    }

    private static ApiException photoNotFound(String photoRef) {
        return ApiException.notFound(ErrorCodes.PHOTO_NOT_FOUND, "there is no photo \"" + photoRef + "\" you can use;"
                + " name an object under tenants/<your tenant>/ or the input photo of one of your jobs"
                + " (inputs/<jobId>/photo.<ext>), or upload the photo as multipart/form-data");
    }

    private ApiException tooLarge(String what) {
        return new ApiException(Response.Status.REQUEST_ENTITY_TOO_LARGE, "IMAGE_TOO_LARGE", what
                + "; photos may be at most " + limits.maxBytes() / (1024 * 1024) + " MiB, send a smaller JPEG or PNG");
    }

    private JobView counted(Supplier<JobView> submission) {
        String outcome = "error";
        try {
            JobView view = submission.get();
            outcome = "accepted";
            return view;
        } catch (ApiException e) {
            outcome = e.error().code().toLowerCase();
            throw e;
        } finally {
            metrics.counter("dreamid.gateway.submissions", "outcome", outcome).increment();
        }
    }

    /** Counts a submission the HTTP layer refused before it reached this service (a body over the size limit). */
    public void countRejected(String outcome) {
        metrics.counter("dreamid.gateway.submissions", "outcome", outcome).increment();
    }
}
