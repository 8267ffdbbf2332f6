package io.dreamid.common.models;

import java.nio.file.Path;
import java.util.Map;

/**
 * The check a service makes of a bundle it is about to be switched to: the same loading code it runs at start.
 * Each service that loads a bundle provides one (a {@code META-INF/services} entry); {@link ModelsImport} runs it
 * from that service's classpath before anything is uploaded or switched.
 */
public interface BundleChecker {
    /** The option that names this kind of bundle: {@code diffusion} for {@code --diffusion DIR}. */
    String kind();

    /** The service that loads it, as the local runner names it (for messages). */
    String service();

    /** The bundle name when the user gives none. */
    String defaultName();

    /**
     * Loads the bundle as the service would, and lets it go again.
     *
     * @return what was loaded, in one line for the user
     * @throws RuntimeException with the reason when the service could not load it
     */
    String check(Path dir);

    /** The service settings (environment variables) that point it at {@code models/{name}/{version}/}. */
    Map<String, String> settings(String name, String version);
}
