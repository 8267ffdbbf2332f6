package io.dreamid.diffusion.bundle;

import io.dreamid.common.models.ModelBundleException;
import io.dreamid.common.models.BundleFetcher;
import io.dreamid.common.models.BundleManifest;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.diffusion.TinyBundles;
import io.dreamid.testsupport.EmbeddedS3;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A bundle in the real S3 server is fetched file by file against its manifest; a corrupt upload is named. */
class BundleStorageIT {

    @Test
    void aBundleRoundTripsThroughStorageAndACorruptFileIsRefused(@TempDir Path cache) throws Exception {
        ObjectStore store = EmbeddedS3.store();
        BundleFetcher.toStorage(TinyBundles.sd1(), store, "roundtrip", "3");

        Path fetched = BundleFetcher.fromStorage(store, "roundtrip", "3", cache);
        assertThat(fetched).isEqualTo(cache.resolve("roundtrip").resolve("3"));
        BundleManifest.read(fetched).verify(fetched);
        assertThat(SdBundle.open(fetched).tiny()).isTrue();
        assertThat(Files.readAllBytes(fetched.resolve("unet/model.onnx_data")))
                .isEqualTo(Files.readAllBytes(TinyBundles.sd1().resolve("unet/model.onnx_data")));

        store.put("models/roundtrip/3/unet/model.onnx_data", new byte[] {1, 2, 3}, "application/octet-stream");
        Files.delete(fetched.resolve("unet/model.onnx_data"));
        assertThatThrownBy(() -> BundleFetcher.fromStorage(store, "roundtrip", "3", cache))
                .isInstanceOf(ModelBundleException.class)
                .hasMessageContaining("models/roundtrip/3/unet/model.onnx_data")
                .hasMessageContaining("SHA-256");
    }
}
