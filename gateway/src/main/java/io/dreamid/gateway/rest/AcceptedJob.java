package io.dreamid.gateway.rest;

import io.dreamid.common.messages.JobStatus;

/** The answer of {@code POST /v1/jobs}: the new job's id, its status (ACCEPTED) and where to follow it. */
public record AcceptedJob(String jobId, JobStatus status, String url) {
}
