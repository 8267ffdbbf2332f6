package io.dreamid.gateway.auth;

import jakarta.enterprise.context.RequestScoped;

/** The tenant of the current request, set by {@link ApiKeyFilter} once the API key is checked. */
@RequestScoped
public class Caller {
    private String tenant;

    public String tenant() {
        if (tenant == null) {
            throw new IllegalStateException("no authenticated tenant on this request");
        }
        return tenant;
    }

    void authenticated(String tenant) {
        this.tenant = tenant;
    }
}
