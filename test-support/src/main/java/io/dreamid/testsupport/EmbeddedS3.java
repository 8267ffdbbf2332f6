package io.dreamid.testsupport;

import io.dreamid.common.storage.ObjectStore;
import org.gaul.s3proxy.junit.S3ProxyJunitCore;

/**
 * A real S3 server (S3Proxy, in-memory blob store) inside the test JVM, started once and shared by every test
 * class of that JVM. Services reach it through the MinIO SDK exactly as they reach MinIO in a deployment.
 */
public final class EmbeddedS3 {
    public static final String ACCESS_KEY = "test-access";
    public static final String SECRET_KEY = "test-secret";
    public static final String BUCKET = "dreamid-test";
    public static final String REGION = "us-east-1";

    private static S3ProxyJunitCore server;
    private static String endpoint;

    private EmbeddedS3() {
    }

    /** Starts the server on first call and creates the test bucket; returns its endpoint URL. */
    public static synchronized String start() {
        if (endpoint != null) {
            return endpoint;
        }
        try {
            S3ProxyJunitCore core = new S3ProxyJunitCore.Builder()
                    .withCredentials(ACCESS_KEY, SECRET_KEY)
                    .withBlobStoreProvider("transient-nio2")
                    .ignoreUnknownHeaders()
                    .build();
            core.beforeEach();
            server = core;
            String uri = core.getUri().toString();
            endpoint = uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
            store().ensureBucket();
            Runtime.getRuntime().addShutdownHook(new Thread(EmbeddedS3::stopQuietly, "embedded-s3-stop"));
            return endpoint;
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the embedded S3 server: " + e.getMessage(), e);
        }
    }

    /** A client on the test bucket, for tests to put inputs and check outputs. */
    public static ObjectStore store() {
        String url = start();
        return new ObjectStore(url, url, ACCESS_KEY, SECRET_KEY, BUCKET, REGION);
    }

    private static synchronized void stopQuietly() {
        if (server != null) {
            server.afterEach();
            server = null;
        }
    }
}
