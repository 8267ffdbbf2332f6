package io.dreamid.gateway.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.gateway.config.GatewayConfig;
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

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

/**
 * {@code POST /v1/faces:compare}: whether two photos show the same person. The gateway checks the parts (present,
 * within the photo size limit) and asks the face-service, which owns the face models, over HTTP
 * ({@code dreamid.gateway.face-service-url}); its answer or its error (BAD_IMAGE, NO_FACE, SEVERAL_FACES, ...)
 * is relayed with the same status.
 */
@Path("/v1/faces:compare")
@Tag(name = "faces")
@SecurityRequirement(name = "apiKey")
@Produces(MediaType.APPLICATION_JSON)
public class FaceCompareResource {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    GatewayConfig config;

    @Inject
    JobSubmissions submissions;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Blocking
    @Operation(summary = "Compare the faces of two photos",
            description = "Multipart with parts 'a' and 'b' (JPEG or PNG photos) and optionally 'face' (largest,"
                    + " index:N or fail-if-several, for both). dlib's face recognition network describes each"
                    + " photo's chosen face; distance is euclidean, samePerson is distance < threshold (0.6),"
                    + " similarity = max(0, 1 - distance / (2 * threshold)).")
    @RequestBody(content = @Content(mediaType = MediaType.MULTIPART_FORM_DATA,
            schema = @Schema(implementation = CompareForm.class)))
    @APIResponse(responseCode = "200", description = "compared",
            content = @Content(schema = @Schema(implementation = Comparison.class)))
    @APIResponse(responseCode = "400", description = "a part is missing or not an image (BAD_IMAGE), or 'face' is"
            + " not valid (BAD_SPEC)", content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "422", description = "NO_FACE, SEVERAL_FACES or FACE_INDEX_OUT_OF_RANGE; the"
            + " message starts with the part ('a: ' or 'b: ')",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "503", description = "the face-service cannot be reached (FACE_SERVICE_UNAVAILABLE)",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Response compare(@RestForm("face") String face, @RestForm(FileUpload.ALL) List<FileUpload> files) {
        byte[] a = photo(files, "a");
        byte[] b = photo(files, "b");
        String boundary = "dreamid-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        filePart(body, boundary, "a", a);
        filePart(body, boundary, "b", b);
        if (face != null && !face.isBlank()) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"face\"\r\n\r\n"
                    + face.strip() + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create(config.faceServiceUrl() + "/v1/faces:compare"))
                .timeout(config.faceServiceTimeout())
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw unavailable(e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("interrupted");
        }
        JsonNode json;
        try {
            json = JSON.readTree(response.body());
        } catch (IOException e) {
            throw unavailable("HTTP " + response.statusCode() + " with a body that is not JSON");
        }
        if (response.statusCode() == 200) {
            return Response.ok(new Comparison(json.get("distance").asDouble(), json.get("similarity").asDouble(),
                    json.get("samePerson").asBoolean(), json.get("threshold").asDouble())).build();
        }
        JsonNode error = json.path("error");
        if (response.statusCode() >= 400 && response.statusCode() < 500 && error.has("code")) {
            int status = response.statusCode();
            // 422 (Unprocessable Content) is not one of JAX-RS's Response.Status constants.
            Response.StatusType type = Response.Status.fromStatusCode(status) != null
                    ? Response.Status.fromStatusCode(status)
                    : new Response.StatusType() {
                        @Override
                        public int getStatusCode() {
                            return status;
                        }

                        @Override
                        public Response.Status.Family getFamily() {
                            return Response.Status.Family.CLIENT_ERROR;
                        }

                        @Override
                        public String getReasonPhrase() {
                            return status == 422 ? "Unprocessable Content" : "Client Error";
                        }
                    };
            throw new ApiException(type, error.get("code").asText(), error.path("message").asText());
        }
        throw unavailable("HTTP " + response.statusCode());
    }

    private byte[] photo(List<FileUpload> files, String name) {
        FileUpload part = JobResource.part(files, name);
        if (part == null) {
            throw ApiException.badRequest(ErrorCodes.BAD_IMAGE, "the part '" + name + "' is missing; send the two"
                    + " photos as file parts named 'a' and 'b'");
        }
        if (part.size() > submissions.limits().maxBytes()) {
            throw new ApiException(Response.Status.REQUEST_ENTITY_TOO_LARGE, "IMAGE_TOO_LARGE", "the photo '" + name
                    + "' is " + part.size() + " bytes; photos may be at most "
                    + submissions.limits().maxBytes() / (1024 * 1024) + " MiB, send a smaller JPEG or PNG");
        }
        return JobResource.read(part);
    }

    private static void filePart(ByteArrayOutputStream body, String boundary, String name, byte[] bytes) {
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\""
                + name + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(bytes);
        body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
    }

    private static ApiException unavailable(String why) {
        return new ApiException(Response.Status.SERVICE_UNAVAILABLE, "FACE_SERVICE_UNAVAILABLE",
                "the face-service could not compare the photos (" + why + "); try again later");
    }

    /**
     * @param distance   euclidean distance of the two faces' descriptors
     * @param similarity {@code max(0, 1 - distance / (2 * threshold))}
     * @param samePerson {@code distance < threshold}
     * @param threshold  dlib's 0.6
     */
    public record Comparison(double distance, double similarity, boolean samePerson, double threshold) {
    }

    /** The multipart form, for the OpenAPI document. */
    @Schema(name = "FaceCompareForm")
    public static final class CompareForm {
        @Schema(type = SchemaType.STRING, format = "binary", description = "first photo")
        public byte[] a;
        @Schema(type = SchemaType.STRING, format = "binary", description = "second photo")
        public byte[] b;
        @Schema(description = "which face when a photo has several: largest (default), index:N, fail-if-several")
        public String face;
    }
}
