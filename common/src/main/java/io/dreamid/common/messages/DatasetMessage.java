package io.dreamid.common.messages;

import io.dreamid.common.DerivedIds;
import io.dreamid.common.json.Json;
import io.dreamid.common.json.MalformedMessageException;

import java.time.Instant;

/**
 * A dataset build to run, on topic {@code dreamid.datasets}, keyed by {@code datasetId} (see
 * {@code schemas/dataset.schema.json}). The gateway produces it with the spec's defaults and seed filled in. A
 * build is followed as a job: its events carry {@code datasetId} as their {@code jobId}.
 */
public record DatasetMessage(
        int schemaVersion,
        String datasetId,
        String tenant,
        Instant createdAt,
        DatasetSpec spec) {

    /** Dataset ids start with this, so that the job state can tell a build from a job. */
    public static final String ID_PREFIX = "ds-";

    public static DatasetMessage of(String datasetId, String tenant, Instant createdAt, DatasetSpec spec) {
        return new DatasetMessage(SchemaVersions.CURRENT, datasetId, tenant, createdAt, spec);
    }

    /**
     * The id of the build's generation job number {@code index} (see the face-service's DatasetPlan): derived, so
     * that a restarted build names the same jobs and finds their images.
     */
    public static String jobIdOf(String datasetId, int index) {
        return DerivedIds.uuid("dreamid-dataset-job", datasetId, Integer.toString(index));
    }

    /** Whether a job id names a dataset build. */
    public static boolean isDatasetId(String id) {
        return id != null && id.startsWith(ID_PREFIX);
    }

    /**
     * Reads a dataset message and checks what every reader relies on: an id, a tenant, a creation time (the
     * follower reads the build's job events from it) and a spec with its defaults and seed.
     *
     * @throws MalformedMessageException when the message cannot be read or lacks one of them
     */
    public static DatasetMessage read(byte[] bytes) {
        DatasetMessage m = Json.readMessage(bytes, DatasetMessage.class);
        if (!isDatasetId(m.datasetId())) {
            throw new MalformedMessageException("datasetId must start with " + ID_PREFIX + ", got " + m.datasetId());
        }
        if (m.tenant() == null || m.tenant().isBlank()) {
            throw new MalformedMessageException("missing field tenant");
        }
        if (m.createdAt() == null || m.spec() == null || m.spec().seed() == null) {
            throw new MalformedMessageException("missing field createdAt, spec or spec.seed");
        }
        if (!m.spec().withDefaults().problems().isEmpty()) {
            throw new MalformedMessageException("the spec breaks its rules: " + m.spec().withDefaults().problems());
        }
        return m;
    }
}
