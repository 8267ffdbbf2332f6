package io.dreamid.gateway.rest;

import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.JobSpec;
import io.dreamid.gateway.service.IdentityLibrary;
import io.dreamid.gateway.auth.Caller;
import io.dreamid.gateway.service.JobSubmissions;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

import java.time.Instant;
import java.util.List;

/**
 * Identities for reuse: a photo in, an identity job out. The job runs detection and encoding only and ends
 * SUCCEEDED with its {@code identityId}, which later jobs name instead of a photo (skipping both stages). The
 * tenant's library lists, names and deletes them ({@link IdentityLibrary}).
 */
@Path("/v1/identities")
@Tag(name = "identities")
@SecurityRequirement(name = "apiKey")
@Produces(MediaType.APPLICATION_JSON)
public class IdentityResource {

    @Inject
    Caller caller;

    @Inject
    JobSubmissions submissions;

    @Inject
    IdentityLibrary library;

    /** One identity of the library, as the API shows it. */
    @Schema(name = "Identity")
    public record IdentityResponse(String identityId, String name, Instant createdAt, String face,
            String encoderVersion, String jobId) {
        static IdentityResponse of(IdentityLibrary.Entry e) {
            return new IdentityResponse(e.identityId(), e.name(), e.createdAt(),
                    JobResponse.jobUrl(e.jobId()) + "/face", e.encoderVersion(), e.jobId());
        }
    }

    /** The body of {@code GET /v1/identities}. */
    public record IdentityList(List<IdentityResponse> identities) {
    }

    /** The body of {@code PATCH /v1/identities/{id}}. */
    public record Rename(String name) {
    }

    @GET
    @Blocking
    @Operation(summary = "The caller's identities, newest first",
            description = "Each: identityId, name, createdAt, face (link to the aligned face crop), encoderVersion"
                    + " and the identity job that made it.")
    public IdentityList list() {
        return new IdentityList(library.list(caller.tenant()).stream().map(IdentityResponse::of).toList());
    }

    @PATCH
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Blocking
    @Operation(summary = "Name one of the caller's identities", description = "{\"name\": \"Ada\"}")
    @APIResponse(responseCode = "404", description = "no such identity for this API key",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public IdentityResponse rename(@PathParam("id") String identityId, Rename body) {
        if (body == null) {
            throw ApiException.badRequest(ErrorCodes.BAD_SPEC, "send {\"name\": \"...\"}");
        }
        return IdentityResponse.of(library.rename(caller.tenant(), identityId, body.name()));
    }

    @DELETE
    @Path("{id}")
    @Blocking
    @Operation(summary = "Delete one of the caller's identities",
            description = "Its stored words and aligned crop are removed; later jobs naming it fail"
                    + " IDENTITY_NOT_FOUND.")
    @APIResponse(responseCode = "204", description = "deleted")
    @APIResponse(responseCode = "404", description = "no such identity for this API key",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Response delete(@PathParam("id") String identityId) {
        library.delete(caller.tenant(), identityId);
        return Response.noContent().build();
    }

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Blocking
    @Operation(summary = "Encode a face for reuse",
            description = "Multipart with a part 'photo' (JPEG or PNG of a face) and optionally a part 'face'"
                    + " (largest, index:N or fail-if-several). Returns 202 with the identity job; once it has"
                    + " SUCCEEDED, GET /v1/jobs/{jobId} shows the identityId to use in POST /v1/jobs.")
    @RequestBody(content = @Content(mediaType = MediaType.MULTIPART_FORM_DATA,
            schema = @Schema(implementation = IdentitySubmission.class)))
    @APIResponse(responseCode = "202", description = "accepted",
            content = @Content(schema = @Schema(implementation = AcceptedJob.class)))
    @APIResponse(responseCode = "400", description = "the photo or the face choice is not valid",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Response encode(@RestForm("face") String face, @RestForm(FileUpload.ALL) List<FileUpload> files) {
        FileUpload photo = JobResource.photoPart(JobResource.part(files, "photo"), submissions);
        JobSpec spec = JobSpec.identityOnly(face == null || face.isBlank() ? null : face.strip());
        return JobResource.accepted(submissions.submitPhoto(caller.tenant(), photo.size(),
                () -> JobResource.read(photo), spec));
    }

    /** The multipart form, for the OpenAPI document. */
    @Schema(name = "IdentitySubmission")
    public static final class IdentitySubmission {
        @Schema(type = SchemaType.STRING, format = "binary", description = "JPEG or PNG of a face")
        public byte[] photo;
        @Schema(description = "which face when the photo has several: largest (default), index:N, fail-if-several")
        public String face;
    }
}
