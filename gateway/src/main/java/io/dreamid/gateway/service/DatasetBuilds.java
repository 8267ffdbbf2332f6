package io.dreamid.gateway.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.dreamid.common.ObjectKeys;
import io.dreamid.common.json.Json;
import io.dreamid.common.messages.DatasetMessage;
import io.dreamid.common.messages.DatasetSpec;
import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.JobEvent;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.messages.Stage;
import io.dreamid.common.storage.ObjectNotFoundException;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.gateway.idempotency.Idempotency;
import io.dreamid.gateway.messaging.JobPublisher;
import io.dreamid.gateway.rest.ApiException;
import io.dreamid.gateway.state.JobStates;
import io.dreamid.gateway.state.JobView;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Accepts dataset builds (issue 16): checks the spec, fills in its defaults and seed, keeps the request in storage
 * ({@code datasets/{id}/request.json}, what {@code GET /v1/datasets/{id}} shows), and publishes it to
 * {@code dreamid.datasets} with its ACCEPTED event. From then on a build is followed like a job: its events carry
 * the dataset id as their job id, and the job state folds them. Blocking: call from worker threads.
 */
@ApplicationScoped
public class DatasetBuilds {
    static final String REQUEST = "request.json";

    @Inject
    ObjectStore store;

    @Inject
    JobPublisher publisher;

    @Inject
    JobStates states;

    @Inject
    Idempotency idempotency;

    Clock clock = Clock.systemUTC();

    public JobView submit(String tenant, DatasetSpec requested) {
        List<String> problems = requested.problems();
        if (!problems.isEmpty()) {
            throw new ApiException(Response.Status.BAD_REQUEST, ErrorCodes.BAD_SPEC,
                    "the dataset spec is not valid: " + String.join("; ", problems), problems);
        }
        // With an Idempotency-Key the key names the build, and a seed left out is derived from it, so that a
        // repeat (published again if it races the first, see Idempotency) asks for the same dataset.
        Optional<String> keyed = idempotency.keyedDatasetId(tenant);
        String id = keyed.orElseGet(() -> DatasetMessage.ID_PREFIX + UUID.randomUUID());
        long seed = requested.seed() != null ? requested.seed()
                : keyed.isPresent()
                ? Idempotency.seedFor(id.substring(DatasetMessage.ID_PREFIX.length()), JobSubmissions.SEED_BOUND)
                : ThreadLocalRandom.current().nextLong(JobSubmissions.SEED_BOUND);
        DatasetSpec spec = requested.withDefaults().withSeed(seed);
        if (keyed.isPresent()) {
            Optional<JobView> first = idempotency.firstBuild(tenant, id, spec, firstId -> {
                DatasetMessage request = request(firstId);
                return request == null ? null : request.spec();
            });
            if (first.isPresent()) {
                return first.get();
            }
        }
        Instant now = clock.instant();
        DatasetMessage build = DatasetMessage.of(id, tenant, now, spec);
        store.put(ObjectKeys.datasetFile(id, REQUEST), Json.toBytes(build), "application/json");
        JobEvent accepted = JobEvent.status(id, tenant, Stage.GATEWAY, JobStatus.ACCEPTED, 0.0, now);
        publisher.publishDataset(build, accepted);
        JobView view = JobView.empty(id).apply(accepted);
        states.published(view);
        return view;
    }

    /** The build's request as accepted (spec with defaults and seed), null when storage no longer has it. */
    public DatasetMessage request(String datasetId) {
        try {
            return DatasetMessage.read(store.get(ObjectKeys.datasetFile(datasetId, REQUEST)));
        } catch (ObjectNotFoundException e) {
            return null;
        }
    }

    /** The build's {@code summary.json} once it has one, else null. */
    public JsonNode summary(String datasetId) {
        try {
            return Json.mapper().readTree(store.get(ObjectKeys.datasetFile(datasetId, "summary.json")));
        } catch (ObjectNotFoundException e) {
            return null;
        } catch (IOException e) {
            throw new IllegalStateException("the summary of dataset " + datasetId + " is not JSON", e);
        }
    }
}
