package io.dreamid.gateway.rest;

import io.dreamid.common.messages.JobSpec;
import io.dreamid.gateway.auth.Caller;
import io.dreamid.gateway.service.JobSubmissions;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
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

import java.util.List;

/**
 * Identities for reuse: a photo in, an identity job out. The job runs detection and encoding only and ends
 * SUCCEEDED with its {@code identityId}, which later jobs name instead of a photo (skipping both stages).
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
