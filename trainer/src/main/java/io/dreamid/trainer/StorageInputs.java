package io.dreamid.trainer;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.models.BundleFetcher;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.common.storage.StorageException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A run's inputs from the platform's object storage, for a run on a cluster node with no copy of them: a dataset
 * build by id ({@code --dataset-id ID}: {@code datasets/ID/} as the dataset builder wrote it, the layout
 * {@code --dataset} reads) and model bundles by prefix ({@code --encoder storage:models/NAME/VERSION/}, the same for
 * {@code --sd} and {@code --torchscript}: fetched and checked against their {@code manifest.json} as the services
 * fetch theirs). Files already there are not fetched again, so a rescheduled pod with its folder kept starts at once.
 */
final class StorageInputs {
    static final String SCHEME = "storage:";
    private static final Set<String> MODEL_OPTIONS = Set.of("--encoder", "--sd", "--torchscript");

    private StorageInputs() {
    }

    /** Whether any input of {@code args} lives in object storage. */
    static boolean any(String[] args) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("--dataset-id") || MODEL_OPTIONS.contains(args[i]) && args[i + 1].startsWith(SCHEME)) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code args} with every {@code storage:PREFIX} model value fetched into {@code root/PREFIX} and replaced by that
     * folder.
     */
    static String[] fetchModels(String[] args, Supplier<ObjectStore> store, Path root) {
        String[] out = args.clone();
        for (int i = 0; i + 1 < out.length; i++) {
            if (MODEL_OPTIONS.contains(out[i]) && out[i + 1].startsWith(SCHEME)) {
                String prefix = out[i + 1].substring(SCHEME.length());
                if (!ObjectKeys.isSafeKey(prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix)) {
                    throw new TrainerException(out[i] + " " + out[i + 1] + ": not an object prefix (e.g. "
                            + SCHEME + "models/sd15/1/)");
                }
                Path target = root.resolve(prefix);
                try {
                    BundleFetcher.fromStorage(store.get(), prefix, target);
                } catch (RuntimeException e) {
                    throw new TrainerException(out[i] + " " + out[i + 1] + ": " + e.getMessage(), e);
                }
                out[i + 1] = target.toString();
            }
        }
        return out;
    }

    /** Copies the dataset build {@code datasets/ID/} into {@code target}. */
    static void fetchDataset(ObjectStore store, String datasetId, Path target) {
        if (!ObjectKeys.isSafeId(datasetId)) {
            throw new TrainerException("--dataset-id must be a dataset id (letters, digits, . _ -), got \""
                    + datasetId + "\"");
        }
        String prefix = ObjectKeys.dataset(datasetId);
        try {
            List<String> keys = store.list(prefix);
            if (!keys.contains(prefix + TrainingDataset.MANIFEST)) {
                throw new TrainerException("--dataset-id " + datasetId + ": no " + prefix + TrainingDataset.MANIFEST
                        + " in bucket " + store.bucket() + " (a build that has not succeeded has none; see ./dreamid"
                        + " dataset show " + datasetId + ")");
            }
            for (String key : keys) {
                Path file = target.resolve(key.substring(prefix.length())).normalize();
                if (!file.startsWith(target) || Files.isRegularFile(file)) {
                    continue;
                }
                Files.createDirectories(file.getParent());
                Path partial = file.resolveSibling(file.getFileName() + ".part");
                store.download(key, partial);
                Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (StorageException | IOException e) {
            throw new TrainerException("--dataset-id " + datasetId + ": cannot copy " + prefix + " from object storage: "
                    + e.getMessage(), e);
        }
    }
}
