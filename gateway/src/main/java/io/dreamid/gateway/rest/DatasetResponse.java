package io.dreamid.gateway.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.dreamid.common.messages.DatasetSpec;
import io.dreamid.common.messages.ErrorInfo;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.gateway.state.JobView;

import java.time.Instant;
import java.util.Map;

/**
 * A dataset build as the API shows it.
 *
 * @param url      this build's URL (relative to the gateway)
 * @param status   ACCEPTED, GENERATING (its jobs are running and being screened), SUCCEEDED, FAILED, CANCELLED
 * @param progress 0..1: the share of its generation jobs that have ended, then 1 once the dataset is written
 * @param spec     what was asked, with the defaults and seed filled in (the single build only)
 * @param summary  {@code summary.json} once the build has succeeded: counts of pairs kept and dropped by reason,
 *                 portraits and edited images, models, times (the single build only)
 * @param manifest the URL of {@code manifest.jsonl} once the build has succeeded
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DatasetResponse(
        String datasetId,
        String url,
        JobStatus status,
        double progress,
        Map<String, Long> timings,
        ErrorInfo error,
        DatasetSpec spec,
        JsonNode summary,
        String manifest,
        Instant createdAt,
        Instant updatedAt) {

    public static String datasetUrl(String datasetId) {
        return "/v1/datasets/" + datasetId;
    }

    /** The state of the build, without what only storage knows. */
    public static DatasetResponse of(JobView view) {
        return of(view, null, null);
    }

    public static DatasetResponse of(JobView view, DatasetSpec spec, JsonNode summary) {
        String url = datasetUrl(view.jobId());
        return new DatasetResponse(view.jobId(), url, view.status(), view.progress(), view.timings(), view.error(),
                spec, summary, view.status() == JobStatus.SUCCEEDED ? url + "/files/manifest.jsonl" : null,
                view.createdAt(), view.updatedAt());
    }
}
