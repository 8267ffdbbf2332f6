package io.dreamid.gateway;

import io.dreamid.gateway.auth.ApiKeys;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The gateway's own test settings: two tenants with known keys and a fresh Kafka Streams state directory. */
public class GatewayTestResource implements QuarkusTestResourceLifecycleManager {
    public static final String KEY_A = "key-of-tenant-a";
    public static final String KEY_B = "key-of-tenant-b";
    public static final String KEY_BAD_REQUESTS = "key-of-tenant-c";
    public static final String TENANT_A = "tenant-a";
    public static final String TENANT_B = "tenant-b";
    /** Only the bad-request tests use this tenant, so any record of it on a topic is a leak. */
    public static final String TENANT_BAD_REQUESTS = "tenant-c";

    @Override
    public Map<String, String> start() {
        try {
            Path stateDir = Files.createTempDirectory("gateway-streams-");
            return Map.of(
                    "kafka-streams.state.dir", stateDir.toString(),
                    // A submission refused for want of upload memory is tested; it need not wait the default 10 s.
                    "dreamid.gateway.upload-wait", "1s",
                    "dreamid.gateway.api-keys", TENANT_A + ":" + ApiKeys.hashHex(KEY_A) + ","
                            + TENANT_B + ":" + ApiKeys.hashHex(KEY_B) + ","
                            + TENANT_BAD_REQUESTS + ":" + ApiKeys.hashHex(KEY_BAD_REQUESTS));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        // the temporary state directory is left to the OS; Kafka Streams deletes its own files on close
    }
}
