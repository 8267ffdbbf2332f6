package io.dreamid.trainer;

import ai.djl.Device;
import io.dreamid.common.models.BundleFetcher;
import io.dreamid.common.models.BundleManifest;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.testsupport.EmbeddedS3;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Kubernetes training Job's command on CPU against a real S3 server: the dataset build and the three bundles
 * come from object storage only, the batch is split over two device entries, checkpoints go to training/ID/, and
 * the trained bundle is imported to models/NAME/VERSION/; a pod that is rescheduled onto an empty disk after the
 * run stopped resumes from the stored checkpoint and ends with the same projector as a run that never stopped.
 */
class JobCommandIT {

    @Test
    void theJobTrainsFromStorageAndResumesOnAnEmptyDisk(@TempDir Path work) throws Exception {
        ObjectStore store = EmbeddedS3.store();
        upload(store, TestModels.resource("datasets/tiny"), "datasets/tiny-build/");
        for (Map.Entry<String, Path> bundle : Map.of("models/base-encoder/1/", TestModels.baseEncoder(),
                "models/sd-tiny/1/", TestModels.sdBundle()).entrySet()) {
            BundleFetcher.toStorage(bundle.getValue(), BundleManifest.compute(bundle.getValue()), store,
                    bundle.getKey());
        }
        Map<String, String> env = Map.of("DREAMID_STORAGE_ENDPOINT", EmbeddedS3.start(), "DREAMID_STORAGE_ACCESS_KEY",
                EmbeddedS3.ACCESS_KEY, "DREAMID_STORAGE_SECRET_KEY", EmbeddedS3.SECRET_KEY, "DREAMID_STORAGE_BUCKET",
                EmbeddedS3.BUCKET, "DREAMID_STORAGE_REGION", EmbeddedS3.REGION);
        assertThat(TwinUpload.run(new String[] {TestModels.torchscript().toString(), TestModels.sdBundle().toString(),
                "sd-tiny-twin", "1"}, env::get)).isZero();

        // the first pod is stopped after step 2 (what a lost node leaves: the checkpoints it uploaded)
        assertThat(TrainerMain.run(job(work.resolve("pod-1"), "--stop-at", "2"), env::get)).isZero();
        assertThat(store.exists("training/job-1/" + Checkpoints.name(2))).isTrue();
        assertThat(Files.readString(work.resolve("pod-1/datasets/tiny-build/manifest.jsonl")))
                .isEqualTo(Files.readString(TestModels.resource("datasets/tiny/manifest.jsonl")));
        // the rescheduled pod starts on an empty disk
        assertThat(TrainerMain.run(job(work.resolve("pod-2")), env::get)).isZero();
        assertThat(BundleManifest.parse(store.get("models/trained/job-1/manifest.json")).files())
                .containsKeys("projection.safetensors", "training-card.json");

        // the same run on the local folders, never stopped
        Path straight = work.resolve("straight");
        TrainingOptions options = new TrainingOptions(TestModels.resource("datasets/tiny"), TestModels.baseEncoder(),
                TestModels.sdBundle(), TestModels.torchscript(), straight.resolve("bundle"),
                straight.resolve("checkpoints"), 4, 2, 1e-2, 1, 0.01, 1.0, 3, 2, 0, null, 10);
        try (Trainer trainer = Trainer.prepare(options, List.of(Device.cpu(), Device.cpu()), System.out)) {
            trainer.train();
            EncoderBundleWriter.write(trainer, options.out());
        }
        assertThat(store.get("models/trained/job-1/projection.safetensors"))
                .isEqualTo(Files.readAllBytes(options.out().resolve("projection.safetensors")));
    }

    /** The Job's arguments (deploy/k8s/components/training), with the pod's disk at {@code pod}. */
    private static String[] job(Path pod, String... more) {
        List<String> args = new ArrayList<>(List.of("--dataset-id", "tiny-build", "--steps", "4",
                "--out", pod.resolve("bundle").toString(), "--checkpoints", pod.resolve("checkpoints").toString(),
                "--encoder", "storage:models/base-encoder/1/", "--sd", "storage:models/sd-tiny/1/",
                "--torchscript", "storage:models/sd-tiny-twin/1/", "--devices", "cpu,cpu", "--batch", "2",
                "--lr", "1e-2", "--warmup", "1", "--seed", "3", "--checkpoint-every", "2", "--run-id", "job-1",
                "--publish", "trained/job-1"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    private static void upload(ObjectStore store, Path dir, String prefix) throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                store.upload(f, prefix + dir.relativize(f).toString().replace('\\', '/'), "application/octet-stream");
            }
        }
    }
}
