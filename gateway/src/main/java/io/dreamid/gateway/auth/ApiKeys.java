package io.dreamid.gateway.auth;

import io.dreamid.gateway.config.GatewayConfig;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Maps API keys to tenants. Only SHA-256 hashes of keys are configured; a presented key is hashed and compared
 * with every configured hash in constant time, so neither the keys nor which entry matched leak through timing.
 */
@ApplicationScoped
public class ApiKeys {
    private static final Logger LOG = Logger.getLogger(ApiKeys.class);
    private static final Pattern ENTRY = Pattern.compile("([A-Za-z0-9][A-Za-z0-9._-]{0,63}):([0-9a-fA-F]{64})");
    /** How often the keys file is checked for changes (rotation of a mounted secret). */
    private static final long FILE_CHECK_NANOS = 5_000_000_000L;

    @Inject
    GatewayConfig config;

    private volatile List<Entry> fromConfig = List.of();
    private volatile List<Entry> fromFile = List.of();
    private volatile long fileModified = Long.MIN_VALUE;
    private volatile long fileCheckedAt;

    @PostConstruct
    void load() {
        fromConfig = config.apiKeys().map(text -> parse(text.split(","), "dreamid.gateway.api-keys"))
                .orElse(List.of());
        fileCheckedAt = System.nanoTime();
        config.apiKeysFile().ifPresent(file -> reloadFile(Path.of(file), true));
        if (fromConfig.isEmpty() && fromFile.isEmpty()) {
            LOG.warn("no API keys are configured (dreamid.gateway.api-keys or dreamid.gateway.api-keys-file):"
                    + " every /v1 request will get 401");
        }
    }

    /** The tenant of {@code key}, or empty if the key is unknown. */
    public Optional<String> tenantOf(String key) {
        if (key == null || key.isEmpty()) {
            return Optional.empty();
        }
        config.apiKeysFile().ifPresent(file -> {
            long now = System.nanoTime();
            if (now - fileCheckedAt > FILE_CHECK_NANOS) {
                fileCheckedAt = now;
                reloadFile(Path.of(file), false);
            }
        });
        byte[] hash = sha256(key);
        String tenant = null;
        // Every entry is compared, match or not, so the time taken does not depend on where a match is.
        for (List<Entry> entries : List.of(fromConfig, fromFile)) {
            for (Entry entry : entries) {
                if (MessageDigest.isEqual(hash, entry.hash()) && tenant == null) {
                    tenant = entry.tenant();
                }
            }
        }
        return Optional.ofNullable(tenant);
    }

    /** Whether any key is configured at all. */
    public boolean anyConfigured() {
        return !fromConfig.isEmpty() || !fromFile.isEmpty();
    }

    /** Makes the next lookup check the keys file (tests; rotation is otherwise noticed within 5 s). */
    void expireFileCheck() {
        fileCheckedAt = System.nanoTime() - FILE_CHECK_NANOS - 1;
    }

    /** The hex SHA-256 of a key, as it goes into the configuration. */
    public static String hashHex(String key) {
        return HexFormat.of().formatHex(sha256(key));
    }

    private synchronized void reloadFile(Path file, boolean atStart) {
        try {
            long modified = Files.getLastModifiedTime(file).toMillis();
            if (modified == fileModified) {
                return;
            }
            fromFile = parse(Files.readAllLines(file, StandardCharsets.UTF_8).toArray(String[]::new), file.toString());
            fileModified = modified;
            LOG.infof("read %d API key(s) from %s", fromFile.size(), file);
        } catch (IOException | IllegalArgumentException e) {
            String problem = "cannot read the API keys file " + file + " (dreamid.gateway.api-keys-file): "
                    + e.getMessage();
            if (atStart) {
                throw new IllegalStateException(problem, e);
            }
            // A secret being rewritten can be briefly unreadable: keep serving the keys read before.
            LOG.warn(problem + "; keeping the keys read before");
        }
    }

    static List<Entry> parse(String[] lines, String source) {
        List<Entry> entries = new ArrayList<>();
        for (String raw : lines) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            var match = ENTRY.matcher(line);
            if (!match.matches()) {
                throw new IllegalArgumentException("bad API key entry in " + source + ": expected tenant:sha256hex"
                        + " (the 64 hex digits of the SHA-256 of the key, e.g. from `printf %s KEY | sha256sum`),"
                        + " got \"" + (line.length() > 20 ? line.substring(0, 20) + "..." : line) + "\"");
            }
            entries.add(new Entry(match.group(1), HexFormat.of().parseHex(match.group(2).toLowerCase())));
        }
        return List.copyOf(entries);
    }

    private static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    record Entry(String tenant, byte[] hash) {
    }
}
