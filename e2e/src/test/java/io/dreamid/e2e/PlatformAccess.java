package io.dreamid.e2e;

import java.net.URI;

/** Lets tools outside this package (the benchmark) start the test platform and reach its gateway. */
public final class PlatformAccess implements AutoCloseable {
    private final Platform platform;

    private PlatformAccess(Platform platform) {
        this.platform = platform;
    }

    public static PlatformAccess start() {
        return new PlatformAccess(Platform.start());
    }

    public URI gateway() {
        return platform.gateway();
    }

    public String apiKey() {
        return Platform.API_KEY;
    }

    @Override
    public void close() {
        platform.close();
    }
}
