package io.dreamid.trainer;

import io.dreamid.common.storage.ObjectStore;
import io.dreamid.common.storage.StorageException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Keeps a run's checkpoints in object storage under {@code training/{runId}/} (DESIGN's object layout), so that a
 * run on another machine, or after its local disk is gone, resumes: every local checkpoint is uploaded when it is
 * written, and before resuming the newest stored one is downloaded when it is newer than the newest local one.
 */
public final class CheckpointMirror {
    private final ObjectStore store;
    private final String prefix;

    public CheckpointMirror(ObjectStore store, String runId) {
        if (!runId.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new TrainerException("--run-id must be 1-64 of [A-Za-z0-9._-], got \"" + runId + "\"");
        }
        this.store = store;
        this.prefix = "training/" + runId + "/";
    }

    public String prefix() {
        return prefix;
    }

    void upload(Path checkpoint) {
        try {
            store.upload(checkpoint, prefix + checkpoint.getFileName(), "application/octet-stream");
        } catch (StorageException e) {
            throw new TrainerException("cannot upload the checkpoint " + checkpoint + " to " + prefix + ": "
                    + e.getMessage(), e);
        }
    }

    /** Downloads the newest stored checkpoint into {@code dir} unless {@code dir} already has it or a newer one. */
    void fetchLatest(Path dir) {
        List<String> keys;
        try {
            keys = store.list(prefix);
        } catch (StorageException e) {
            throw new TrainerException("cannot list " + prefix + " in object storage: " + e.getMessage(), e);
        }
        String newest = keys.stream().map(k -> k.substring(prefix.length()))
                .filter(n -> n.matches("step-\\d{8}\\.safetensors")).max(String::compareTo).orElse(null);
        if (newest == null || Checkpoints.newestLocal(dir).map(n -> n.compareTo(newest) >= 0).orElse(false)) {
            return;
        }
        try {
            Files.createDirectories(dir);
            store.download(prefix + newest, dir.resolve(newest));
        } catch (java.io.IOException | StorageException e) {
            throw new TrainerException("cannot download " + prefix + newest + ": " + e.getMessage(), e);
        }
    }
}
