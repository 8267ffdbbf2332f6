package io.dreamid.common.models;

import com.fasterxml.jackson.core.type.TypeReference;
import io.dreamid.common.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A user's export gets its manifest on import: every file with its SHA-256, written as valid JSON whatever the file
 * names hold; and the import's settings replace only their own lines of the services file.
 */
class ManifestOfAnExportTest {

    @Test
    void namesWithQuotesAndAccentsAreEscapedAndReadBack(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("tokenizer"));
        Files.writeString(dir.resolve("tokenizer/he said \"hi\"\t.json"), "{}");
        Files.writeString(dir.resolve("café.txt"), "é");
        Files.writeString(dir.resolve(BundleManifest.FILE_NAME), "{\"stale\": \"ignored\"}");

        BundleManifest manifest = BundleManifest.compute(dir);
        Map<String, String> read = Json.mapper().readValue(manifest.toJson(), new TypeReference<>() {
        });

        assertThat(read).containsOnlyKeys("tokenizer/he said \"hi\"\t.json", "café.txt");
        // sha256 of "{}" and of "é" in UTF-8, from coreutils' sha256sum.
        assertThat(read.get("tokenizer/he said \"hi\"\t.json"))
                .isEqualTo("44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
        assertThat(read.get("café.txt")).isEqualTo("4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c");
        assertThat(BundleManifest.parse(manifest.toJson())).isEqualTo(manifest);
        manifest.verify(dir);
    }

    @Test
    void settingsReplaceTheirOwnLinesAndKeepTheRest(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("services.env");
        Files.write(file, List.of("# chosen by hand", "DREAMID_DIFFUSION_BUNDLE_NAME=old", "OTHER=x=y"));

        ModelsImport.recordSettings(file, Map.of("DREAMID_DIFFUSION_BUNDLE_NAME", "sd",
                "DREAMID_DIFFUSION_BUNDLE_VERSION", "3"));

        assertThat(Files.readAllLines(file)).containsExactly("# chosen by hand", "OTHER=x=y",
                "DREAMID_DIFFUSION_BUNDLE_NAME=sd", "DREAMID_DIFFUSION_BUNDLE_VERSION=3");
    }
}
