package io.dreamid.gateway.auth;

import io.dreamid.gateway.rest.ApiError;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.Optional;

/** Every {@code /v1} request must carry a known {@code X-API-Key}; the key decides the tenant. */
public class ApiKeyFilter {
    public static final String HEADER = "X-API-Key";

    @Inject
    ApiKeys keys;

    @Inject
    Caller caller;

    @ServerRequestFilter
    public Optional<Response> authenticate(ContainerRequestContext request) {
        if (!request.getUriInfo().getPath().startsWith("/v1")) {
            return Optional.empty();
        }
        String key = request.getHeaderString(HEADER);
        if (key == null || key.isBlank()) {
            return Optional.of(unauthorized("send your API key in the " + HEADER + " header"));
        }
        Optional<String> tenant = keys.tenantOf(key.strip());
        if (tenant.isEmpty()) {
            return Optional.of(unauthorized("the API key in " + HEADER + " is not valid; check it or ask for a new one"));
        }
        caller.authenticated(tenant.get());
        return Optional.empty();
    }

    private static Response unauthorized(String message) {
        return Response.status(Response.Status.UNAUTHORIZED)
                .type(MediaType.APPLICATION_JSON)
                .entity(new ApiError("UNAUTHORIZED", message))
                .build();
    }
}
