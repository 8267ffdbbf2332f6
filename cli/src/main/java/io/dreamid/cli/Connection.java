package io.dreamid.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Where the gateway is and which key to send, from options, the environment, or the local platform's files. */
record Connection(URI gateway, String apiKey) {
    static final String DEFAULT_GATEWAY = "http://127.0.0.1:8080";
    static final Path LOCAL_KEY_FILE = Path.of(".dreamid", "api-key");

    static Connection resolve(String gatewayOption, String keyOption, Map<String, String> env) {
        String gateway = firstNonBlank(gatewayOption, env.get("DREAMID_GATEWAY_URL"), DEFAULT_GATEWAY);
        String key = firstNonBlank(keyOption, env.get("DREAMID_API_KEY"), readKeyFile());
        if (key == null) {
            throw new UsageException("no API key: pass --api-key, set DREAMID_API_KEY, or start the local platform "
                    + "with './dreamid up' (it writes " + LOCAL_KEY_FILE + ")");
        }
        URI uri;
        try {
            uri = URI.create(gateway.endsWith("/") ? gateway.substring(0, gateway.length() - 1) : gateway);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--gateway: not a URL: " + gateway);
        }
        if (uri.getScheme() == null || uri.getHost() == null) {
            throw new UsageException("--gateway: expected a URL like http://127.0.0.1:8080, got " + gateway);
        }
        return new Connection(uri, key);
    }

    private static String readKeyFile() {
        try {
            return Files.isReadable(LOCAL_KEY_FILE)
                    ? Files.readString(LOCAL_KEY_FILE, StandardCharsets.UTF_8).trim()
                    : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }
}
