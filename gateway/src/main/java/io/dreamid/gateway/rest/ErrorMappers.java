package io.dreamid.gateway.rest;

import io.dreamid.common.storage.StorageException;
import io.dreamid.gateway.messaging.JobPublisher;
import io.dreamid.gateway.service.UploadBudget;
import io.dreamid.gateway.state.JobStates;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Turns every failure into a JSON {@link ApiError}, so clients never have to parse an HTML or empty error. */
public class ErrorMappers {
    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @ServerExceptionMapper
    public Response api(ApiException e) {
        return json(e.status().getStatusCode(), e.error());
    }

    @ServerExceptionMapper
    public Response unavailable(JobStates.StateUnavailableException e) {
        return json(503, new ApiError("UNAVAILABLE", e.getMessage()));
    }

    @ServerExceptionMapper
    public Response broker(JobPublisher.PublishException e) {
        LOG.warn(e.getMessage(), e);
        return retryLater(new ApiError("UNAVAILABLE", e.getMessage() + "; nothing was accepted, retry the request"));
    }

    @ServerExceptionMapper
    public Response busy(UploadBudget.UploadBudgetException e) {
        return retryLater(new ApiError("BUSY", e.getMessage()));
    }

    @ServerExceptionMapper
    public Response storage(StorageException e) {
        LOG.warn(e.getMessage(), e);
        return retryLater(new ApiError("STORAGE_UNAVAILABLE",
                "object storage did not answer (" + e.getMessage() + "); retry the request"));
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        String code = switch (status) {
            case 404 -> "NOT_FOUND";
            case 405 -> "METHOD_NOT_ALLOWED";
            case 406 -> "NOT_ACCEPTABLE";
            case 413 -> "REQUEST_TOO_LARGE";
            case 415 -> "UNSUPPORTED_MEDIA_TYPE";
            default -> status >= 500 ? "INTERNAL" : "BAD_REQUEST";
        };
        String message = switch (status) {
            case 404 -> "no such resource; the API is under /v1/jobs";
            case 415 -> "send multipart/form-data (parts photo and spec) or application/json"
                    + " ({\"spec\": {...}, \"photoRef\": \"...\"} or {\"spec\": {...}, \"identityId\": \"...\"})";
            default -> e.getMessage();
        };
        return json(status, new ApiError(code, message));
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        LOG.error("unexpected failure", e);
        return json(500, new ApiError("INTERNAL", "the gateway failed unexpectedly (" + e.getClass().getSimpleName()
                + "); the error is logged"));
    }

    /** 503 with a Retry-After: nothing was done and the same request may be sent again (the CLI does). */
    static Response retryLater(ApiError error) {
        return Response.status(503).type(MediaType.APPLICATION_JSON).header("Retry-After", "2").entity(error).build();
    }

    static Response json(int status, ApiError error) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(error).build();
    }
}
