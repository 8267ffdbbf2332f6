package io.dreamid.gateway.rest;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * Every error body of the API: a machine-readable code and a message that says what to fix; {@code problems}
 * lists each broken rule when there are several.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ApiError(String code, String message, List<String> problems) {
    public ApiError(String code, String message) {
        this(code, message, List.of());
    }
}
