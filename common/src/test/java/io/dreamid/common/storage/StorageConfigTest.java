package io.dreamid.common.storage;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The object-store credentials are required outside the dev and test profiles: a service configured as in
 * production with none (or with the empty values of an unfilled Kubernetes Secret) fails at start, naming the
 * property, rather than signing with well-known credentials.
 */
class StorageConfigTest {
    private static SmallRyeConfig config(String profile, Map<String, String> values) {
        return new SmallRyeConfigBuilder()
                .withProfile(profile)
                .addDefaultSources()
                .addDiscoveredSources()
                .withSources(new PropertiesConfigSource(values, "test-values", 500))
                .withMapping(StorageConfig.class)
                .build();
    }

    @Test
    void productionWithoutCredentialsDoesNotStart() {
        assertThatThrownBy(() -> config("prod", Map.of()))
                .hasMessageContaining("dreamid.storage.access-key")
                .hasMessageContaining("dreamid.storage.secret-key");
    }

    @Test
    void emptyCredentialsAreMissingCredentials() {
        assertThatThrownBy(() -> config("prod", Map.of("dreamid.storage.access-key", "",
                "dreamid.storage.secret-key", "")))
                .hasMessageContaining("dreamid.storage.access-key");
    }

    @Test
    void productionWithCredentialsStarts() {
        StorageConfig storage = config("prod", Map.of("dreamid.storage.access-key", "ak",
                "dreamid.storage.secret-key", "sk")).getConfigMapping(StorageConfig.class);
        assertThat(storage.accessKey()).isEqualTo("ak");
        assertThat(storage.secretKey()).isEqualTo("sk");
    }

    @Test
    void devAndTestProfilesHaveTheLocalRunnersCredentials() {
        for (String profile : new String[] {"dev", "test"}) {
            StorageConfig storage = config(profile, Map.of()).getConfigMapping(StorageConfig.class);
            assertThat(storage.accessKey()).as(profile).isEqualTo("dreamid");
            assertThat(storage.secretKey()).as(profile).isEqualTo("dreamid-secret");
        }
    }
}
