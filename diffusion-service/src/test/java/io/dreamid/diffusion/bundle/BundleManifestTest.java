package io.dreamid.diffusion.bundle;

import io.dreamid.common.models.ModelBundleException;
import io.dreamid.common.models.BundleFetcher;
import io.dreamid.common.models.BundleManifest;
import io.dreamid.diffusion.TinyBundles;
import io.dreamid.diffusion.service.PipelineHolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Bundles are checked file by file against their SHA-256 manifest, and the layout is checked when opened. */
class BundleManifestTest {

    @Test
    void theBuiltInBundleFromTheJarIsCompleteOpensAndSaysItsImagesAreNoise(@TempDir Path dir) {
        Path root = BundleFetcher.fromClasspath("bundles/" + PipelineHolder.BUILT_IN_BUNDLE, dir.resolve("builtin"));
        BundleManifest manifest = BundleManifest.read(root);
        manifest.verify(root);
        assertThat(manifest.files()).containsKeys("unet/model.onnx", "unet/weights.pb", "tokenizer/vocab.json",
                SdBundle.RANDOM_WEIGHTS_FILE);

        SdBundle bundle = SdBundle.open(root);
        assertThat(bundle.tiny()).isTrue();
        assertThat(bundle.note()).contains("noise by design");
        assertThat(bundle.vaeScalingFactor()).isEqualTo(0.18215f);
    }

    @Test
    void theToyBundleSaysItsImagesAreNoiseInItsModelIndex() {
        SdBundle bundle = SdBundle.open(TinyBundles.sd1());
        assertThat(bundle.tiny()).isTrue();
        assertThat(bundle.note()).contains("noise by design");
    }

    @Test
    void aChangedFileIsNamed(@TempDir Path dir) throws Exception {
        Path root = BundleFetcher.fromClasspath("bundles/tiny-sd1", dir.resolve("sd1"));
        Files.writeString(root.resolve("scheduler/scheduler_config.json"), "{}");
        Files.delete(root.resolve("unet/model.onnx_data"));

        assertThatThrownBy(() -> BundleManifest.read(root).verify(root))
                .isInstanceOf(ModelBundleException.class)
                .hasMessageContaining("scheduler/scheduler_config.json has another SHA-256")
                .hasMessageContaining("unet/model.onnx_data is missing");
    }

    @Test
    void extractingAgainRepairsAChangedFile(@TempDir Path dir) throws Exception {
        Path root = BundleFetcher.fromClasspath("bundles/tiny-sd1", dir.resolve("sd1"));
        Files.writeString(root.resolve("tokenizer/merges.txt"), "broken");
        BundleFetcher.fromClasspath("bundles/tiny-sd1", root);
        BundleManifest.read(root).verify(root);
    }

    @Test
    void pathsOutsideTheBundleAreRefused() {
        byte[] json = "{\"../../etc/passwd\": \"00\"}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> BundleManifest.parse(json))
                .isInstanceOf(ModelBundleException.class)
                .hasMessageContaining("invalid path \"../../etc/passwd\"");
    }

    @Test
    void aFolderMissingPartsOfTheLayoutListsThem(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("model_index.json"), "{}");
        assertThatThrownBy(() -> SdBundle.open(dir))
                .isInstanceOf(ModelBundleException.class)
                .hasMessageContaining("text_encoder/model.onnx")
                .hasMessageContaining("unet/model.onnx")
                .hasMessageContaining("tokenizer/vocab.json");
    }

    @Test
    void sd2ReadsItsOwnScalingFactor() {
        assertThat(SdBundle.open(TinyBundles.sd2()).vaeScalingFactor()).isEqualTo(0.18215f);
    }
}
