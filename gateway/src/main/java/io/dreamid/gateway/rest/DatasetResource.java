package io.dreamid.gateway.rest;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.messages.DatasetMessage;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.storage.ObjectNotFoundException;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.gateway.auth.Caller;
import io.dreamid.gateway.config.GatewayConfig;
import io.dreamid.gateway.service.DatasetBuilds;
import io.dreamid.gateway.service.JobRequests;
import io.dreamid.gateway.service.JobSubmissions;
import io.dreamid.gateway.state.JobStates;
import io.dreamid.gateway.state.JobUpdates;
import io.dreamid.gateway.state.JobView;
import io.smallrye.common.annotation.Blocking;
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
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestStreamElementType;

import java.net.URI;

/**
 * Self-augmented editability dataset builds (issue 16): submit, read with progress and summary, follow, cancel,
 * list, and fetch the files of {@code datasets/{id}/} (manifest, summary, crops, portraits, images). A tenant sees
 * only its own builds; another tenant's is reported as missing.
 */
@Path("/v1/datasets")
@Tag(name = "datasets")
@SecurityRequirement(name = "apiKey")
@Produces(MediaType.APPLICATION_JSON)
public class DatasetResource {

    @Inject
    Caller caller;

    @Inject
    DatasetBuilds builds;

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
    @Consumes(MediaType.APPLICATION_JSON)
    @Blocking
    @Operation(summary = "Build a self-augmented editability dataset",
            description = "The body is the dataset spec: names, editPrompts (each with {name}), portraitPrompt,"
                    + " portraitsPerName, imagesPerEdit, width, height, steps, scheduler, guidanceScale, seed,"
                    + " maxDistance. Returns 202 with the dataset id; follow it at the Location URL.")
    @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = io.dreamid.common.messages.DatasetSpec.class)))
    @APIResponse(responseCode = "202", description = "accepted")
    @APIResponse(responseCode = "400", description = "the spec is not valid",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Response submit(byte[] body) {
        JobView view = builds.submit(caller.tenant(), JobRequests.datasetSpec(body));
        String url = DatasetResponse.datasetUrl(view.jobId());
        return Response.accepted(DatasetResponse.of(view)).location(URI.create(url)).build();
    }

    @GET
    @Path("{id}")
    @Blocking
    @Operation(summary = "A dataset build: status, progress, spec, and once built its summary and manifest link")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = DatasetResponse.class)))
    @APIResponse(responseCode = "404", content = @Content(schema = @Schema(implementation = ApiError.class)))
    public DatasetResponse dataset(@PathParam("id") String datasetId) {
        JobView view = own(datasetId);
        DatasetMessage request = builds.request(datasetId);
        return DatasetResponse.of(view, request == null ? null : request.spec(),
                view.status() == JobStatus.SUCCEEDED ? builds.summary(datasetId) : null);
    }

    @GET
    @Path("{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @Operation(summary = "Server-sent events of a build's changes; the stream ends after a terminal state")
    public Multi<DatasetResponse> events(@PathParam("id") String datasetId) {
        return updates.follow(own(datasetId), states, DatasetResponse::of);
    }

    @DELETE
    @Path("{id}")
    @Blocking
    @Operation(summary = "Cancel a build, and with it its generation jobs that are still running")
    @APIResponse(responseCode = "202", content = @Content(schema = @Schema(implementation = DatasetResponse.class)))
    @APIResponse(responseCode = "409", description = "the build has already ended",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Response cancel(@PathParam("id") String datasetId) {
        return Response.accepted(DatasetResponse.of(submissions.cancel(caller.tenant(), own(datasetId)))).build();
    }

    @GET
    @Blocking
    @Operation(summary = "The caller's most recent dataset builds, newest first")
    public DatasetList list(@QueryParam("status") String status, @QueryParam("limit") @DefaultValue("20") int limit) {
        if (limit < 1 || limit > config.maxListLimit()) {
            throw ApiException.badRequest("BAD_REQUEST", "limit must be between 1 and " + config.maxListLimit()
                    + ", got " + limit);
        }
        JobStatus wanted = JobResource.status(status);
        return new DatasetList(states.recent(caller.tenant(), wanted, limit, true).stream()
                .map(DatasetResponse::of).toList());
    }

    @GET
    @Path("{id}/files/{path: .+}")
    @Produces({"image/png", "application/json", "application/jsonl", MediaType.APPLICATION_OCTET_STREAM})
    @Blocking
    @Operation(summary = "A file of the dataset by its path in the manifest: manifest.jsonl, summary.json,"
            + " crops/..., portraits/..., images/...")
    @APIResponse(responseCode = "404", content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Response file(@PathParam("id") String datasetId, @PathParam("path") String path) {
        own(datasetId);
        if (!ObjectKeys.isSafeKey(path)) {
            throw ApiException.notFound("FILE_NOT_FOUND", "dataset " + datasetId + " has no file " + path);
        }
        try {
            String type = path.endsWith(".png") ? "image/png" : path.endsWith(".jsonl") ? "application/jsonl"
                    : path.endsWith(".json") ? "application/json" : MediaType.APPLICATION_OCTET_STREAM;
            return Response.ok(store.get(ObjectKeys.datasetFile(datasetId, path)), type).build();
        } catch (ObjectNotFoundException e) {
            throw ApiException.notFound("FILE_NOT_FOUND", "dataset " + datasetId + " has no file " + path
                    + " (the files are written when the build succeeds)");
        }
    }

    /** The build if it exists and is the caller's; another tenant's build is reported exactly like a missing one. */
    private JobView own(String datasetId) {
        return states.find(datasetId)
                .filter(view -> DatasetMessage.isDatasetId(view.jobId()) && caller.tenant().equals(view.tenant()))
                .orElseThrow(() -> ApiException.notFound("DATASET_NOT_FOUND", "there is no dataset " + datasetId
                        + " for this API key"));
    }
}
