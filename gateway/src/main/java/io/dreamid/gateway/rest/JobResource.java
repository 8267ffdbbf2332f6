package io.dreamid.gateway.rest;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.storage.ObjectNotFoundException;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.gateway.auth.Caller;
import io.dreamid.gateway.config.GatewayConfig;
import io.dreamid.gateway.service.JobRequests;
import io.dreamid.gateway.service.JobSubmissions;
import io.dreamid.gateway.state.JobStates;
import io.dreamid.gateway.state.JobUpdates;
import io.dreamid.gateway.state.JobView;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.common.annotation.NonBlocking;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.RestStreamElementType;
import org.jboss.resteasy.reactive.multipart.FileUpload;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/** The async job API: submit, read, follow, fetch images, cancel, list. */
@Path("/v1/jobs")
@Tag(name = "jobs")
@SecurityRequirement(name = "apiKey")
@Produces(MediaType.APPLICATION_JSON)
public class JobResource {

    @Inject
    Caller caller;

    @Inject
    JobSubmissions submissions;

    @Inject
    JobStates states;

    @Inject
    JobUpdates updates;

    @Inject
    ObjectStore store;

    @Inject
    GatewayConfig config;

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Blocking
    @Operation(summary = "Submit a job with a photo",
            description = "Multipart with a part 'photo' (JPEG or PNG of a face) and a part 'spec' (the job spec as"
                    + " JSON); or, for several people {id:NAME}, a part 'photo:NAME' per person who comes as a photo"
                    + " (the others named in spec.people by identityId); or only 'spec' when the prompts name nobody."
                    + " Returns 202 with the job id; follow it at the Location URL.")
    @RequestBody(content = @Content(mediaType = MediaType.MULTIPART_FORM_DATA,
            schema = @Schema(implementation = PhotoSubmission.class)))
    @APIResponse(responseCode = "202", description = "accepted",
            content = @Content(schema = @Schema(implementation = AcceptedJob.class)))
    @APIResponse(responseCode = "400", description = "the spec or the photo is not valid",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "413", description = "the photo is too large",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Response submitPhoto(@RestForm("spec") String specText, @RestForm(FileUpload.ALL) List<FileUpload> files) {
        FileUpload photo = part(files, "photo");
        FileUpload specFile = part(files, "spec");
        byte[] specBytes = specText != null ? specText.getBytes(StandardCharsets.UTF_8)
                : specFile != null ? read(specFile) : null;
        if (specBytes == null) {
            throw ApiException.badRequest(ErrorCodes.BAD_SPEC, "the part 'spec' is missing; send the job spec as JSON,"
                    + " e.g. {\"prompts\": [\"a photo of {id} as an astronaut\"]}");
        }
        JobSpec spec = JobRequests.spec(specBytes);
        Map<String, JobSubmissions.PersonPhoto> people = personPhotos(files);
        if (!people.isEmpty()) {
            if (photo != null) {
                throw ApiException.badRequest(ErrorCodes.BAD_SPEC, "the part 'photo' is the one person of {id}; the"
                        + " parts 'photo:NAME' are each of several people {id:NAME}: send one kind, not both");
            }
            return accepted(submissions.submitPeople(caller.tenant(), spec, people));
        }
        if (photo == null && JobSubmissions.needsNoPhoto(spec)) {
            return accepted(submissions.submitWithoutPhoto(caller.tenant(), spec));
        }
        FileUpload checked = photoPart(photo, submissions);
        return accepted(submissions.submitPhoto(caller.tenant(), checked.size(), () -> read(checked), spec));
    }

    /** The parts {@code photo:NAME}, by NAME, each refused when larger than allowed. */
    private Map<String, JobSubmissions.PersonPhoto> personPhotos(List<FileUpload> files) {
        Map<String, JobSubmissions.PersonPhoto> photos = new TreeMap<>();
        for (FileUpload file : files) {
            if (file.name() != null && file.name().startsWith(JobSpec.PHOTO_PREFIX)) {
                FileUpload checked = photoPart(file, submissions);
                String part = file.name().substring(JobSpec.PHOTO_PREFIX.length());
                if (photos.put(part, new JobSubmissions.PersonPhoto(checked.size(), () -> read(checked))) != null) {
                    throw ApiException.badRequest(ErrorCodes.BAD_SPEC, "the part '" + file.name() + "' is given"
                            + " twice; send one photo per person");
                }
            }
        }
        return photos;
    }

    /** The uploaded photo, refused with a message when the part is missing or larger than allowed. */
    static FileUpload photoPart(FileUpload photo, JobSubmissions submissions) {
        if (photo == null) {
            throw ApiException.badRequest(ErrorCodes.BAD_IMAGE, "the part 'photo' is missing; attach a JPEG or PNG"
                    + " of a face as a file part named 'photo' (a job whose prompts name nobody needs none)");
        }
        if (photo.size() > submissions.limits().maxBytes()) {
            submissions.countRejected("image_too_large");
            throw new ApiException(Response.Status.REQUEST_ENTITY_TOO_LARGE, "IMAGE_TOO_LARGE", "the photo is "
                    + photo.size() + " bytes; photos may be at most " + submissions.limits().maxBytes() / (1024 * 1024)
                    + " MiB, send a smaller JPEG or PNG");
        }
        return photo;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Blocking
    @Operation(summary = "Submit a job with a photo already in storage, or with an identity",
            description = "{\"spec\": {...}, \"photoRef\": \"tenants/<tenant>/me.jpg\"} or {\"spec\": {...},"
                    + " \"identityId\": \"...\"}. A photoRef must name an object under tenants/<your tenant>/ or the"
                    + " input photo of one of your jobs (inputs/<jobId>/photo.<ext>).")
    @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = JobRequests.JobRequest.class)))
    @APIResponse(responseCode = "202", description = "accepted",
            content = @Content(schema = @Schema(implementation = AcceptedJob.class)))
    @APIResponse(responseCode = "400", description = "the request is not valid",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "404", description = "the photo or identity does not exist",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Response submitReference(byte[] body) {
        return accepted(submissions.submitReference(caller.tenant(), JobRequests.request(body)));
    }

    @GET
    @Path("{id}")
    @NonBlocking
    @Operation(summary = "A job's status, progress, timings, error and image links")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = JobResponse.class)))
    @APIResponse(responseCode = "404", description = "no such job for this API key",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public JobResponse job(@PathParam("id") String jobId) {
        return JobResponse.of(ownJob(jobId));
    }

    @GET
    @Path("{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @Operation(summary = "Server-sent events of a job's changes",
            description = "Each event's data is the job JSON. The current state comes first; the stream ends after"
                    + " a terminal state (SUCCEEDED, FAILED, CANCELLED).")
    public Multi<JobResponse> events(@PathParam("id") String jobId) {
        return updates.follow(ownJob(jobId), states, JobResponse::of);
    }

    @GET
    @Path("{id}/images/{n}")
    @Produces({"image/png", MediaType.APPLICATION_JSON})
    @Blocking
    @Operation(summary = "A generated image (PNG), or with redirect=true a 307 to a short-lived presigned URL")
    @APIResponse(responseCode = "200", content = @Content(mediaType = "image/png",
            schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @APIResponse(responseCode = "307", description = "redirect=true: Location is a presigned URL")
    @APIResponse(responseCode = "404", description = "no such job or image for this API key",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Response image(@PathParam("id") String jobId, @PathParam("n") int n,
            @QueryParam("redirect") @DefaultValue("false") boolean redirect) {
        JobView job = ownJob(jobId);
        List<String> outputs = job.outputs();
        if (n < 0 || n >= outputs.size()) {
            throw ApiException.notFound("IMAGE_NOT_FOUND", outputs.isEmpty()
                    ? "job " + jobId + " has no images (status " + job.status() + ")"
                    : "job " + jobId + " has images 0 to " + (outputs.size() - 1) + ", not " + n);
        }
        String key = outputs.get(n);
        if (redirect) {
            return Response.temporaryRedirect(URI.create(store.presignedGet(key, config.presignedUrlValidity())))
                    .build();
        }
        try {
            return Response.ok(store.get(key), "image/png").build();
        } catch (ObjectNotFoundException e) {
            throw ApiException.notFound("IMAGE_NOT_FOUND", "image " + n + " of job " + jobId
                    + " is listed but missing from storage");
        }
    }

    @GET
    @Path("{id}/face")
    @Produces({"image/png", MediaType.APPLICATION_JSON})
    @Blocking
    @Operation(summary = "The aligned face crop the job uses (PNG), once the face-service has made it")
    @APIResponse(responseCode = "200", content = @Content(mediaType = "image/png",
            schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @APIResponse(responseCode = "404", description = "no such job for this API key, or no face crop (yet)",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Response face(@PathParam("id") String jobId) {
        JobView job = ownJob(jobId);
        try {
            return Response.ok(store.get(ObjectKeys.faceCrop(job.jobId())), "image/png").build();
        } catch (ObjectNotFoundException e) {
            throw ApiException.notFound("FACE_NOT_FOUND", "job " + jobId + " has no aligned face (status "
                    + job.status() + "): the face is detected after ACCEPTED, and jobs by identityId have none");
        }
    }

    @DELETE
    @Path("{id}")
    @Blocking
    @Operation(summary = "Cancel a job",
            description = "Publishes a cancel request that every stage honours, and marks the job CANCELLED.")
    @APIResponse(responseCode = "202", content = @Content(schema = @Schema(implementation = JobResponse.class)))
    @APIResponse(responseCode = "404", content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "409", description = "the job has already ended",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Response cancel(@PathParam("id") String jobId) {
        JobView cancelled = submissions.cancel(caller.tenant(), ownJob(jobId));
        return Response.accepted(JobResponse.of(cancelled)).build();
    }

    @GET
    @Blocking // scans (and deserialises) every job view of the global store
    @Operation(summary = "The caller's most recent jobs, newest first")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = JobList.class)))
    public JobList list(
            @Parameter(in = ParameterIn.QUERY, description = "only jobs with this status")
            @QueryParam("status") String status,
            @Parameter(in = ParameterIn.QUERY, description = "how many jobs, 1 to dreamid.gateway.max-list-limit")
            @QueryParam("limit") @DefaultValue("20") int limit) {
        if (limit < 1 || limit > config.maxListLimit()) {
            throw ApiException.badRequest("BAD_REQUEST", "limit must be between 1 and " + config.maxListLimit()
                    + ", got " + limit);
        }
        JobStatus wanted = status(status);
        return new JobList(states.recent(caller.tenant(), wanted, limit).stream().map(JobResponse::of).toList());
    }

    /** The status a list asks for, null for any. */
    static JobStatus status(String status) {
        if (status == null || status.isBlank()) {
            return null;
        }
        try {
            return JobStatus.valueOf(status.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("BAD_REQUEST", "status must be one of "
                    + List.of(JobStatus.values()) + ", got \"" + status + "\"");
        }
    }

    /** The job if it exists and belongs to the caller; another tenant's job is reported exactly like a missing one. */
    private JobView ownJob(String jobId) {
        return states.find(jobId)
                .filter(job -> caller.tenant().equals(job.tenant()))
                .orElseThrow(() -> ApiException.notFound("JOB_NOT_FOUND", "there is no job " + jobId
                        + " for this API key"));
    }

    static Response accepted(JobView job) {
        return Response.accepted(new AcceptedJob(job.jobId(), job.status(), JobResponse.jobUrl(job.jobId())))
                .location(URI.create(JobResponse.jobUrl(job.jobId())))
                .build();
    }

    static FileUpload part(List<FileUpload> files, String name) {
        return files == null ? null : files.stream().filter(f -> name.equals(f.name())).findFirst().orElse(null);
    }

    /**
     * The part's bytes, read in chunks of {@value #READ_CHUNK} bytes. Not in one read: Files.readAllBytes reads
     * through a temporary direct buffer as large as the file, which the JDK keeps cached for each worker thread (ten
     * 19 MB uploads left 224 MB of them), and FileInputStream.readAllBytes through a native buffer as large, which
     * the C allocator keeps in its per-thread arenas (another 250 MB after the same burst).
     */
    static byte[] read(FileUpload upload) {
        try (FileChannel channel = FileChannel.open(upload.uploadedFile(), StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > Integer.MAX_VALUE - 8) {
                throw new UncheckedIOException(new IOException("the uploaded part " + upload.name() + " is "
                        + size + " bytes"));
            }
            byte[] bytes = new byte[(int) size];
            int read = 0;
            while (read < bytes.length) {
                int n = channel.read(ByteBuffer.wrap(bytes, read, Math.min(READ_CHUNK, bytes.length - read)));
                if (n < 0) {
                    break;
                }
                read += n;
            }
            return read == bytes.length ? bytes : Arrays.copyOf(bytes, read);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the uploaded part " + upload.name(), e);
        }
    }

    private static final int READ_CHUNK = 64 * 1024;

    /** The multipart form, for the OpenAPI document. */
    @Schema(name = "PhotoSubmission")
    public static final class PhotoSubmission {
        @Schema(type = SchemaType.STRING, format = "binary", description = "JPEG or PNG of a face")
        public byte[] photo;
        @Schema(implementation = JobSpec.class, description = "the job spec as JSON")
        public String spec;
    }
}
