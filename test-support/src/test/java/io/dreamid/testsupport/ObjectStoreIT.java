package io.dreamid.testsupport;

import io.dreamid.common.storage.ObjectNotFoundException;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.common.storage.ObjectTooLargeException;
import io.dreamid.common.storage.StorageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** common's ObjectStore against a real S3 server: the errors the stages rely on to decide whether to retry. */
class ObjectStoreIT {
    private final ObjectStore store = EmbeddedS3.store();

    @Test
    void aMissingObjectIsNotFoundNotAStorageFailure(@TempDir Path dir) {
        assertThatThrownBy(() -> store.get("objectstore-it/missing.jpg"))
                .isInstanceOf(ObjectNotFoundException.class)
                .hasMessage("object not found: objectstore-it/missing.jpg");
        assertThatThrownBy(() -> store.get("objectstore-it/missing.jpg", 100))
                .isInstanceOf(ObjectNotFoundException.class);
        assertThatThrownBy(() -> store.download("objectstore-it/missing.bin", dir.resolve("x")))
                .isInstanceOf(ObjectNotFoundException.class);
        assertThat(store.stat("objectstore-it/missing.jpg")).isEmpty();
    }

    @Test
    void refusesToReadAnObjectOverTheCap() {
        store.put("objectstore-it/big.bin", new byte[2048], "application/octet-stream");

        assertThatThrownBy(() -> store.get("objectstore-it/big.bin", 1024))
                .isInstanceOf(ObjectTooLargeException.class)
                .hasMessageContaining("2048 bytes, more than the limit of 1024");
        assertThat(store.get("objectstore-it/big.bin", 2048)).hasSize(2048);
    }

    @Test
    void uploadsDownloadsOverwritesAndDeletes(@TempDir Path dir) throws Exception {
        Path source = Files.writeString(dir.resolve("model.onnx"), "weights v1");
        store.upload(source, "objectstore-it/models/m/1/model.onnx", "application/octet-stream");
        store.put("objectstore-it/models/m/1/model.onnx", "weights v2".getBytes(StandardCharsets.UTF_8),
                "application/octet-stream");

        Path target = dir.resolve("copy/model.onnx");
        store.download("objectstore-it/models/m/1/model.onnx", target);
        assertThat(Files.readString(target)).isEqualTo("weights v2");

        store.delete("objectstore-it/models/m/1/model.onnx");
        assertThat(store.exists("objectstore-it/models/m/1/model.onnx")).isFalse();
        store.ensureBucket();
    }

    @Test
    void presignsForThePublicEndpoint() {
        String internal = EmbeddedS3.start();
        ObjectStore behindProxy = new ObjectStore(internal, "https://images.example.org", EmbeddedS3.ACCESS_KEY,
                EmbeddedS3.SECRET_KEY, EmbeddedS3.BUCKET, EmbeddedS3.REGION);

        URI link = URI.create(behindProxy.presignedGet("outputs/j1/0-0.png", Duration.ofMinutes(5)));

        assertThat(link.getHost()).isEqualTo("images.example.org");
        assertThat(link.getQuery()).contains("X-Amz-Expires=300");
    }

    @Test
    void anUnreachableServerIsAStorageFailure() {
        ObjectStore nowhere = new ObjectStore("http://127.0.0.1:9", null, "a", "b", "bucket", "us-east-1");

        assertThatThrownBy(() -> nowhere.get("k")).isInstanceOf(StorageException.class).hasMessageContaining("k");
        assertThatThrownBy(() -> nowhere.put("k", new byte[1], "text/plain")).isInstanceOf(StorageException.class);
        assertThatThrownBy(() -> nowhere.putAll(List.of(new ObjectStore.Write("k1", new byte[1], "text/plain"),
                new ObjectStore.Write("k2", new byte[1], "text/plain"))))
                .isInstanceOf(StorageException.class).hasMessageContaining("cannot write k1");
    }

    @Test
    void writesSeveralObjectsTogether() {
        byte[] crop = "png bytes".getBytes(StandardCharsets.UTF_8);
        byte[] record = "{\"score\":0.9}".getBytes(StandardCharsets.UTF_8);

        store.putAll(List.of(new ObjectStore.Write("objectstore-it/together/crop.png", crop, "image/png"),
                new ObjectStore.Write("objectstore-it/together/face.json", record, "application/json",
                        Map.of("job-id", "j1"))));

        assertThat(store.get("objectstore-it/together/crop.png")).isEqualTo(crop);
        assertThat(store.get("objectstore-it/together/face.json")).isEqualTo(record);
        ObjectStore.ObjectInfo info = store.stat("objectstore-it/together/face.json").orElseThrow();
        assertThat(info.contentType()).isEqualTo("application/json");
        assertThat(info.userMetadata()).containsEntry("job-id", "j1");
        assertThat(store.stat("objectstore-it/together/crop.png").orElseThrow().contentType()).isEqualTo("image/png");
    }
}
