package io.dreamid.gateway.rest;

import java.util.List;

/** The answer of {@code GET /v1/jobs}: the caller's most recent jobs, newest first. */
public record JobList(List<JobResponse> jobs) {
}
