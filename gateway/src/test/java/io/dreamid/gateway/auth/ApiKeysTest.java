package io.dreamid.gateway.auth;

import io.dreamid.gateway.config.GatewayConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** API keys from configuration and from a secret file, compared by their SHA-256. */
class ApiKeysTest {

    @Test
    void theHashIsTheSha256OfTheKeyInHex() {
        // printf %s abc | sha256sum
        assertThat(ApiKeys.hashHex("abc"))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void keysFromConfigAndFileMapToTheirTenants(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("keys");
        Files.writeString(file, "# rotated monthly\n\nteam-b:" + ApiKeys.hashHex("secret-b").toUpperCase() + "\n");
        ApiKeys keys = keys("team-a:" + ApiKeys.hashHex("secret-a"), file.toString());

        assertThat(keys.tenantOf("secret-a")).contains("team-a");
        assertThat(keys.tenantOf("secret-b")).contains("team-b");
        assertThat(keys.tenantOf("secret-c")).isEmpty();
        assertThat(keys.tenantOf("")).isEmpty();
        assertThat(keys.tenantOf(ApiKeys.hashHex("secret-a"))).as("the hash itself is not a key").isEmpty();
    }

    @Test
    void aRotatedFileIsReadAgain(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("keys");
        Files.writeString(file, "team-b:" + ApiKeys.hashHex("old") + "\n");
        ApiKeys keys = keys(null, file.toString());
        assertThat(keys.tenantOf("old")).contains("team-b");

        Files.writeString(file, "team-b:" + ApiKeys.hashHex("new") + "\n");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(60)));
        keys.expireFileCheck();
        assertThat(keys.tenantOf("new")).contains("team-b");
        assertThat(keys.tenantOf("old")).isEmpty();
    }

    @Test
    void aMalformedEntryIsRefusedWithAHint() {
        assertThatThrownBy(() -> keys("team-a:not-a-hash", null))
                .hasMessageContaining("tenant:sha256hex").hasMessageContaining("sha256sum");
        assertThatThrownBy(() -> keys("team-a:" + ApiKeys.hashHex("k") + ",plainkey", null))
                .hasMessageContaining("plainkey");
    }

    @Test
    void withoutAnyKeyNothingIsAccepted() {
        ApiKeys keys = keys(null, null);
        assertThat(keys.anyConfigured()).isFalse();
        assertThat(keys.tenantOf("anything")).isEmpty();
    }

    private static ApiKeys keys(String configured, String file) {
        ApiKeys keys = new ApiKeys();
        keys.config = (GatewayConfig) Proxy.newProxyInstance(GatewayConfig.class.getClassLoader(),
                new Class<?>[] {GatewayConfig.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "apiKeys" -> Optional.ofNullable(configured);
                    case "apiKeysFile" -> Optional.ofNullable(file);
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        keys.load();
        return keys;
    }
}
