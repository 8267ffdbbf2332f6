package io.dreamid.stage;

import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The dependencies that are failing now (object storage, the broker), and since when. While one is failing the
 * stage takes no new records (its input partitions are paused) and its readiness is DOWN; the first success of a
 * call to it ends the outage.
 */
@ApplicationScoped
public class Outages {
    /** Object storage. */
    public static final String STORAGE = "storage";
    /** The Kafka broker. */
    public static final String BROKER = "broker";
    private static final Logger LOG = Logger.getLogger(Outages.class);

    private final Map<String, Instant> failingSince = new ConcurrentHashMap<>();

    void failing(String dependency, Exception cause) {
        if (failingSince.putIfAbsent(dependency, Instant.now()) == null) {
            LOG.warnf("%s cannot be reached (%s): no new records until it is back", dependency, cause.getMessage());
        }
    }

    void working(String dependency) {
        Instant since = failingSince.remove(dependency);
        if (since != null) {
            LOG.infof("%s is back after %d ms", dependency, Instant.now().toEpochMilli() - since.toEpochMilli());
        }
    }

    public boolean any() {
        return !failingSince.isEmpty();
    }

    /** Each failing dependency and since when, in name order. */
    public Map<String, Instant> current() {
        return new TreeMap<>(failingSince);
    }
}
