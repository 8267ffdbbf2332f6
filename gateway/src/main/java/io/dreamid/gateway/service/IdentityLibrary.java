package io.dreamid.gateway.service;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.json.Json;
import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.JobStatus;
import io.dreamid.common.storage.ObjectNotFoundException;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.common.tensors.Safetensors;
import io.dreamid.gateway.rest.ApiException;
import io.dreamid.gateway.state.JobStates;
import io.dreamid.gateway.state.JobView;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A tenant's library of identities: the identities its identity jobs ({@code POST /v1/identities}) made, with the
 * name the tenant gave each. Which identities a tenant has comes from the job state (its SUCCEEDED identity jobs);
 * names and deletions are small JSON records under {@code library/{tenant}/{identityId}.json}. Another tenant's
 * identity is reported exactly like a missing one. Blocking: call from worker threads.
 */
@ApplicationScoped
public class IdentityLibrary {
    /** Longest name a tenant may give an identity. */
    public static final int MAX_NAME = 200;

    @Inject
    JobStates states;

    @Inject
    ObjectStore store;

    /**
     * One identity of the library.
     *
     * @param identityId     the id later jobs name ({@code identityId}, or a value of {@code spec.people})
     * @param name           the tenant's name for it, or null
     * @param createdAt      when the identity job that made it was submitted
     * @param jobId          that identity job
     * @param encoderVersion the encoder bundle version that produced its words
     */
    public record Entry(String identityId, String name, Instant createdAt, String jobId, String encoderVersion) {
    }

    /** What the library keeps about an identity besides the job state. */
    record Record(String name, boolean deleted) {
    }

    /** The tenant's identities, newest first. */
    public List<Entry> list(String tenant) {
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JobView> made : madeBy(tenant).entrySet()) {
            Record record = record(tenant, made.getKey()).orElse(new Record(null, false));
            if (!record.deleted()) {
                entries.add(entry(made.getValue(), record));
            }
        }
        entries.sort(Comparator.comparing(Entry::createdAt, Comparator.nullsLast(Comparator.reverseOrder()))
                .thenComparing(Entry::identityId));
        return entries;
    }

    /** Names (or with a blank name, un-names) one of the tenant's identities. */
    public Entry rename(String tenant, String identityId, String name) {
        JobView job = own(tenant, identityId);
        String clean = name == null || name.isBlank() ? null : name.strip();
        if (clean != null && clean.length() > MAX_NAME) {
            throw ApiException.badRequest(ErrorCodes.BAD_SPEC, "name: at most " + MAX_NAME + " characters, got "
                    + clean.length());
        }
        Record record = new Record(clean, false);
        store.put(recordKey(tenant, identityId), Json.toBytes(record), "application/json");
        return entry(job, record);
    }

    /**
     * Deletes one of the tenant's identities: its stored words and the aligned crops (and the judge's chips) of the tenant's jobs that made
     * it are removed, and it leaves the library. Later jobs naming it fail IDENTITY_NOT_FOUND.
     */
    public void delete(String tenant, String identityId) {
        own(tenant, identityId);
        store.put(recordKey(tenant, identityId), Json.toBytes(new Record(null, true)), "application/json");
        store.delete(ObjectKeys.identity(identityId));
        for (JobView job : states.recent(tenant, null, Integer.MAX_VALUE)) {
            if (identityId.equals(job.identityId())) {
                store.delete(ObjectKeys.faceCrop(job.jobId()));
                store.delete(ObjectKeys.faceChip(job.jobId()));
                store.delete(ObjectKeys.faceRecord(job.jobId()));
            }
        }
    }

    /** The identity job that made {@code identityId} for {@code tenant}; 404 when there is none or it was deleted. */
    private JobView own(String tenant, String identityId) {
        JobView job = ObjectKeys.isSafeId(identityId) ? madeBy(tenant).get(identityId) : null;
        if (job == null || record(tenant, identityId).map(Record::deleted).orElse(false)) {
            throw ApiException.notFound(ErrorCodes.IDENTITY_NOT_FOUND, "there is no identity \"" + identityId
                    + "\" in your library; GET /v1/identities lists them");
        }
        return job;
    }

    /** Each identity the tenant's SUCCEEDED identity jobs made, with the first job that made it. */
    private Map<String, JobView> madeBy(String tenant) {
        Map<String, JobView> made = new LinkedHashMap<>();
        List<JobView> jobs = new ArrayList<>(states.recent(tenant, JobStatus.SUCCEEDED, Integer.MAX_VALUE));
        jobs.sort(Comparator.comparing(JobView::createdAt, Comparator.nullsLast(Comparator.naturalOrder())));
        for (JobView job : jobs) {
            if (job.identityId() != null && job.spec() != null && job.spec().isIdentityOnly()) {
                made.putIfAbsent(job.identityId(), job);
            }
        }
        return made;
    }

    private Entry entry(JobView job, Record record) {
        return new Entry(job.identityId(), record.name(), job.createdAt(), job.jobId(), encoderVersion(job.identityId()));
    }

    /** The encoder version recorded in the identity file, or null when the file is gone. */
    private String encoderVersion(String identityId) {
        try {
            return Safetensors.read(store.get(ObjectKeys.identity(identityId))).metadata().get("encoderVersion");
        } catch (ObjectNotFoundException e) {
            return null;
        }
    }

    private Optional<Record> record(String tenant, String identityId) {
        try {
            return Optional.of(Json.mapper().readValue(store.get(recordKey(tenant, identityId)), Record.class));
        } catch (ObjectNotFoundException e) {
            return Optional.empty();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("the library record of " + identityId + " cannot be read", e);
        }
    }

    static String recordKey(String tenant, String identityId) {
        return "library/" + tenant + "/" + identityId + ".json";
    }
}
