package io.dreamid.encoder.bundle;

import io.dreamid.common.models.BundleManifest;
import io.dreamid.common.models.ModelsImport;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.encoder.model.TestBundles;
import io.dreamid.testsupport.EmbeddedS3;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code models import --encoder} against the real S3 server: the encoder-service's own loading code checks the
 * bundle before anything is uploaded or switched; a bundle it cannot load is refused with the reason.
 */
class EncoderModelsImportIT {
    private static final String PREVIOUS = "DREAMID_ENCODER_BUNDLE_REF=models/encoder/earlier/\n";
    private static Map<String, String> env;
    private static ObjectStore store;

    @BeforeAll
    static void storage() {
        String endpoint = EmbeddedS3.start();
        store = EmbeddedS3.store();
        env = Map.of("DREAMID_STORAGE_ENDPOINT", endpoint, "DREAMID_STORAGE_ACCESS_KEY", EmbeddedS3.ACCESS_KEY,
                "DREAMID_STORAGE_SECRET_KEY", EmbeddedS3.SECRET_KEY, "DREAMID_STORAGE_BUCKET", EmbeddedS3.BUCKET,
                "DREAMID_STORAGE_REGION", EmbeddedS3.REGION);
    }

    @Test
    void aBundleTheEncoderLoadsIsUploadedAndRecorded(@TempDir Path tmp) throws Exception {
        Path bundle = copyWithoutManifest(tmp.resolve("bundle"));
        Path servicesEnv = tmp.resolve("services.env");
        Files.writeString(servicesEnv, PREVIOUS);

        String[] args = {"--encoder", bundle.toString(), "--name", "vit", "--version", "5", "--services-env",
                servicesEnv.toString()};
        Run run = modelsImport(args);

        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(run.output()).contains("encoder-service loads it");
        assertThat(BundleManifest.parse(store.get("models/vit/5/manifest.json")).files())
                .containsOnlyKeys("backbone.onnx", "encoder.json", "projection.safetensors");
        assertThat(servicesEnv).content().isEqualTo("DREAMID_ENCODER_BUNDLE_REF=models/vit/5/\n");
    }

    @Test
    void aBundleWhoseProjectorDoesNotFitIsRefusedAndNothingChanges(@TempDir Path tmp) throws Exception {
        Path bundle = copyWithoutManifest(tmp.resolve("bundle"));
        byte[] projector = Files.readAllBytes(bundle.resolve("projection.safetensors"));
        Files.write(bundle.resolve("projection.safetensors"), Arrays.copyOf(projector, projector.length / 2));
        Path servicesEnv = tmp.resolve("services.env");
        Files.writeString(servicesEnv, PREVIOUS);

        Run run = modelsImport("--encoder", bundle.toString(), "--name", "vit-broken", "--version", "1",
                "--services-env", servicesEnv.toString());

        assertThat(run.exit()).isEqualTo(4);
        assertThat(run.output()).contains("refused, encoder-service cannot load", "projection.safetensors");
        assertThat(store.list("models/vit-broken/")).isEmpty();
        assertThat(servicesEnv).content().isEqualTo(PREVIOUS);
    }

    record Run(int exit, String output) {
    }

    private static Run modelsImport(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        int exit = ModelsImport.run(args, env::get, print, print);
        return new Run(exit, bytes.toString(StandardCharsets.UTF_8));
    }

    private static Path copyWithoutManifest(Path target) throws IOException {
        Files.createDirectories(target);
        for (String name : EncoderBundle.FILES) {
            Files.copy(TestBundles.TINY.resolve(name), target.resolve(name));
        }
        return target;
    }
}
