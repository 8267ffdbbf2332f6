package io.dreamid.trainer;

import io.dreamid.common.models.BundleManifest;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.testsupport.EmbeddedS3;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A run stopped at step k and resumed from its checkpoint ends with the same projector bytes as one that never
 * stopped; here the checkpoints are kept in a real S3 server (S3Proxy) under training/{runId}/ and the resuming run's
 * local checkpoint folder is empty, so it resumes from storage. The trained bundle then passes {@code models import}.
 */
class CheckpointMirrorIT {

    @Test
    void aRunResumesFromObjectStorage(@TempDir Path work) throws Exception {
        ObjectStore store = EmbeddedS3.store();
        TrainingOptions straight = TrainingRuns.tiny(work.resolve("straight"), 8, 1e-2, 3, 0);
        TrainingOptions stopped = TrainingRuns.tiny(work.resolve("elsewhere"), 8, 1e-2, 3, 5);
        TrainingOptions resumed = TrainingRuns.tiny(work.resolve("elsewhere"), 8, 1e-2, 3, 0);
        try (Trainer trainer = Trainer.prepare(straight, System.out)) {
            trainer.train();
            EncoderBundleWriter.write(trainer, straight.out());
        }
        try (Trainer trainer = Trainer.prepare(stopped, System.out)) {
            trainer.mirrorCheckpoints(new CheckpointMirror(store, "run-1"));
            assertThat(trainer.train()).isEqualTo(5);
            assertThat(trainer.finished()).isFalse();
        }
        assertThat(store.exists("training/run-1/" + Checkpoints.name(3))).isTrue();
        assertThat(store.exists("training/run-1/" + Checkpoints.name(5))).isTrue();
        // the machine that resumes has none of the local checkpoints
        try (var files = Files.list(stopped.checkpoints())) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        try (Trainer trainer = Trainer.prepare(resumed, System.out)) {
            trainer.mirrorCheckpoints(new CheckpointMirror(store, "run-1"));
            assertThat(trainer.resume()).isEqualTo(5);
            trainer.train();
            EncoderBundleWriter.write(trainer, resumed.out());
        }
        assertThat(store.exists("training/run-1/" + Checkpoints.name(8))).isTrue();
        assertThat(Files.readAllBytes(resumed.out().resolve("projection.safetensors")))
                .isEqualTo(Files.readAllBytes(straight.out().resolve("projection.safetensors")));

        // what `./dreamid models import --encoder` runs accepts the trained bundle and points the service at it
        Path servicesEnv = work.resolve("services.env");
        EncoderImport.Result imported = EncoderImport.run(resumed.out(), "trained", servicesEnv);
        assertThat(imported.exit()).as(imported.output()).isZero();
        assertThat(imported.output()).contains("encoder-service loads it").doesNotContain("untrained");
        assertThat(BundleManifest.parse(store.get("models/trained/1/manifest.json")).files())
                .containsKeys("projection.safetensors", "training-card.json");
        assertThat(servicesEnv).content().isEqualTo("DREAMID_ENCODER_BUNDLE_REF=models/trained/1/\n");
    }
}
