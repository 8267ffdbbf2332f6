package io.dreamid.gateway.rest;

import jakarta.ws.rs.core.Response;

import java.util.List;

/** A request the gateway refuses, with the HTTP status and the {@link ApiError} the client gets. */
public class ApiException extends RuntimeException {
    private final Response.StatusType status;
    private final String code;
    private final List<String> problems;

    public ApiException(Response.StatusType status, String code, String message) {
        this(status, code, message, List.of());
    }

    public ApiException(Response.StatusType status, String code, String message, List<String> problems) {
        super(message);
        this.status = status;
        this.code = code;
        this.problems = List.copyOf(problems);
    }

    public Response.StatusType status() {
        return status;
    }

    public ApiError error() {
        return new ApiError(code, getMessage(), problems);
    }

    public static ApiException badRequest(String code, String message) {
        return new ApiException(Response.Status.BAD_REQUEST, code, message);
    }

    public static ApiException notFound(String code, String message) {
        return new ApiException(Response.Status.NOT_FOUND, code, message);
    }
}
