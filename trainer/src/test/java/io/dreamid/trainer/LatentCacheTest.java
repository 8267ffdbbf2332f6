package io.dreamid.trainer;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.image.Png;
import io.dreamid.common.image.RgbImage;
import io.dreamid.common.image.SafeImageDecoder;
import io.dreamid.common.models.BundleManifest;
import io.dreamid.diffusion.bundle.SdBundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The VAE latents of a dataset's images are computed once and kept in {@code latents/}: a second preparation of the
 * same dataset and twin reads every one from there (files untouched, latents equal), an image changed since is
 * computed again rather than served from the stale entry, and a damaged entry is computed again and replaced.
 */
class LatentCacheTest {

    @Test
    void aSecondPreparationReadsTheCacheAndAChangedImageIsRecomputed(@TempDir Path work) throws IOException {
        Path dataset = TestDatasets.tinyCopy(work.resolve("tiny"));
        Path cache = dataset.resolve(LatentCache.FOLDER);
        TrainingOptions options = TrainingRuns.tiny(work, 4, 1e-2, 4, 0);
        options = new TrainingOptions(dataset, options.baseEncoder(), options.sdBundle(), options.torchscript(),
                options.out(), options.checkpoints(), 4, 2, 1e-2, 1, 0.01, 1.0, 7, 4, 0, null, 1);

        List<float[]> first;
        Trainer.Preparation cold;
        try (Trainer trainer = Trainer.prepare(options, System.out)) {
            cold = trainer.preparation();
            first = latents(trainer);
        }
        assertThat(cold.latentsComputed()).isEqualTo(4);
        assertThat(cold.latentsFromCache()).isZero();
        Map<Path, FileTime> written = mtimes(cache);
        assertThat(written).as("one entry per distinct image").hasSize(4);

        Trainer.Preparation warm;
        try (Trainer trainer = Trainer.prepare(options, System.out)) {
            warm = trainer.preparation();
            assertThat(latents(trainer)).usingRecursiveComparison().isEqualTo(first);
        }
        assertThat(warm.latentsFromCache()).isEqualTo(4);
        assertThat(warm.latentsComputed()).isZero();
        assertThat(mtimes(cache)).as("the cache is read, not rewritten").isEqualTo(written);
        System.out.printf("preparation of the 4 tiny pairs: %d ms computing the latents (VAE %d ms), %d ms with the"
                + " latent cache (reading it %d ms)%n", cold.totalMillis(), cold.latentMillis(), warm.totalMillis(),
                warm.latentMillis());

        // Another picture under the same name: the stale entry (keyed by the old bytes' hash) must not be used.
        Path changed = dataset.resolve("images/ddim.png");
        RgbImage old = SafeImageDecoder.decode(Files.readAllBytes(changed), ImageLimits.DEFAULT);
        byte[] inverted = old.rgb().clone();
        for (int i = 0; i < inverted.length; i++) {
            inverted[i] = (byte) (255 - (inverted[i] & 0xFF));
        }
        RgbImage other = new RgbImage(old.width(), old.height(), inverted);
        Files.write(changed, Png.encode(other, Map.of()));
        try (Trainer trainer = Trainer.prepare(options, System.out)) {
            assertThat(trainer.preparation().latentsComputed()).isEqualTo(1);
            assertThat(trainer.preparation().latentsFromCache()).isEqualTo(3);
            List<float[]> now = latents(trainer);
            // line 1 names images/ddim.png
            assertThat(now.get(0)).isNotEqualTo(first.get(0));
            assertThat(now.get(0)).containsExactly(direct(trainer, other));
            assertThat(now.subList(1, 4)).usingRecursiveComparison().isEqualTo(first.subList(1, 4));
        }
        assertThat(mtimes(cache)).hasSize(5).containsAllEntriesOf(written);

        // A damaged entry (e.g. cut short by a full disk) is computed again and replaced, not read.
        String eulerHash = sha256(dataset, "images/euler.png");
        Path entry = new LatentCache(dataset, vaeHash(), System.out).file(eulerHash);
        byte[] whole = Files.readAllBytes(entry);
        Files.write(entry, Arrays.copyOf(whole, whole.length / 2));
        try (Trainer trainer = Trainer.prepare(options, System.out)) {
            assertThat(trainer.preparation().latentsComputed()).isEqualTo(1);
            assertThat(latents(trainer).get(1)).containsExactly(first.get(1));
        }
        assertThat(Files.readAllBytes(entry)).isEqualTo(whole);
    }

    private static String sha256(Path dataset, String file) {
        return BundleManifest.sha256(dataset.resolve(file));
    }

    private static String vaeHash() {
        return BundleManifest.sha256(TestModels.torchscript().resolve("vae_encoder.pt"));
    }

    /** The scaled latents of the changed image computed straight through the VAE encoder, no cache involved. */
    private static float[] direct(Trainer trainer, RgbImage image) {
        float scale = SdBundle.open(TestModels.sdBundle()).vaeScalingFactor();
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray latent = trainer.frozen().encodeImage(m.create(Trainer.toCenteredChw(image),
                    new Shape(1, 3, image.height(), image.width())));
            return latent.mul(scale).toFloatArray();
        }
    }

    private static List<float[]> latents(Trainer trainer) {
        List<float[]> out = new ArrayList<>();
        trainer.examples().forEach(e -> out.add(e.latents()));
        return out;
    }

    private static Map<Path, FileTime> mtimes(Path dir) throws IOException {
        Map<Path, FileTime> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                out.put(f.getFileName(), Files.getLastModifiedTime(f));
            }
        }
        return out;
    }
}
