package io.dreamid.trainer;

import io.dreamid.common.ObjectKeys;
import io.dreamid.common.models.BundleFetcher;
import io.dreamid.common.models.BundleManifest;
import io.dreamid.common.storage.ObjectStore;

import java.nio.file.Path;
import java.util.function.Function;

/**
 * Uploads a TorchScript twin to {@code models/NAME/VERSION/} with a SHA-256 {@code manifest.json}, after checking that
 * it belongs to its ONNX serving bundle ({@link TrainingBundle#check}), so that a training run elsewhere (the
 * Kubernetes Job) fetches it with {@code --torchscript storage:models/NAME/VERSION/}. The ONNX bundle itself goes up
 * with {@code ./dreamid models import --diffusion}. Storage settings: those of the trainer
 * ({@code DREAMID_STORAGE_ENDPOINT}, {@code _ACCESS_KEY}, {@code _SECRET_KEY}, {@code _BUCKET}).
 *
 * <pre>java -cp TRAINER_CLASSPATH io.dreamid.trainer.TwinUpload TWIN_DIR SD_BUNDLE_DIR NAME VERSION</pre>
 */
public final class TwinUpload {
    private TwinUpload() {
    }

    public static void main(String[] args) {
        try {
            System.exit(run(args, System::getenv));
        } catch (TrainerException e) {
            System.err.println("twin upload: " + e.getMessage());
            System.exit(2);
        }
    }

    static int run(String[] args, Function<String, String> env) {
        if (args.length != 4 || !ObjectKeys.isSafeId(args[2]) || !ObjectKeys.isSafeId(args[3])) {
            throw new TrainerException("usage: TwinUpload TWIN_DIR SD_BUNDLE_DIR NAME VERSION (NAME and VERSION of"
                    + " letters, digits, . _ -)");
        }
        Path twin = Path.of(args[0]);
        TrainingBundle.check(Path.of(args[1]), twin);
        String prefix = ObjectKeys.model(args[2], args[3]);
        ObjectStore store = TrainerMain.storeFromEnvironment(env);
        BundleFetcher.toStorage(twin, BundleManifest.compute(twin), store, prefix);
        System.out.println("uploaded the twin " + twin + " to " + prefix + " in bucket " + store.bucket()
                + "; train with --torchscript " + StorageInputs.SCHEME + prefix);
        return 0;
    }
}
