package io.dreamid.gateway.rest;

import java.util.List;

/** The answer of {@code GET /v1/datasets}: the caller's most recent dataset builds, newest first. */
public record DatasetList(List<DatasetResponse> datasets) {
}
