package io.dreamid.testsupport.bench;

import io.dreamid.common.storage.ObjectStore;
import io.dreamid.testsupport.EmbeddedS3;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Latency of the object-store calls a job makes (PUT, capped GET) against the in-JVM S3 server, for the object
 * sizes a job moves (a face record, an aligned crop, a photo). Prints p50/p95 per call; asserts nothing.
 *
 * <p>Run: {@code ./mvnw -B -pl test-support test-compile org.codehaus.mojo:exec-maven-plugin:3.6.2:java
 * -Dexec.classpathScope=test -Dexec.cleanupDaemonThreads=false
 * -Dexec.mainClass=io.dreamid.testsupport.bench.StorageBenchmark}.
 */
public final class StorageBenchmark {
    private static final int ROUNDS = Integer.getInteger("rounds", 200);

    public static void main(String[] args) throws InterruptedException {
        // A pause between rounds mimics a service that is idle between jobs (-Dpause.ms=200).
        long pauseMs = Long.getLong("pause.ms", 0);
        ObjectStore store = EmbeddedS3.store();
        for (int size : new int[] {1_000, 20_000, 200_000}) {
            byte[] data = new byte[size];
            new Random(size).nextBytes(data);
            long[] puts = new long[ROUNDS];
            long[] gets = new long[ROUNDS];
            for (int i = 0; i < ROUNDS; i++) {
                String key = "bench/" + size + "/" + (i % 10);
                long t0 = System.nanoTime();
                store.put(key, data, "application/octet-stream");
                long t1 = System.nanoTime();
                byte[] back = store.get(key, size);
                long t2 = System.nanoTime();
                if (back.length != size) {
                    throw new IllegalStateException("read " + back.length + " bytes of " + size);
                }
                Thread.sleep(pauseMs);
                puts[i] = t1 - t0;
                gets[i] = t2 - t1;
            }
            // The first quarter warms up the JIT and the connection pool.
            System.out.printf(Locale.ROOT, "%7d bytes: PUT p50 %.2f ms p95 %.2f ms | GET p50 %.2f ms p95 %.2f ms%n",
                    size, pct(puts, 50), pct(puts, 95), pct(gets, 50), pct(gets, 95));
        }
        System.exit(0);
    }

    private static double pct(long[] nanos, int p) {
        long[] warm = Arrays.copyOfRange(nanos, nanos.length / 4, nanos.length);
        Arrays.sort(warm);
        return warm[Math.min(warm.length - 1, (int) Math.ceil(p / 100.0 * warm.length) - 1)] / 1e6;
    }
}
