package io.dreamid.common.storage;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioAsyncClient;
import io.minio.MinioClient;
import io.minio.ObjectWriteResponse;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.errors.ErrorResponseException;
import io.minio.http.HttpUtils;
import io.minio.http.Method;
import io.minio.messages.Item;
import okhttp3.OkHttpClient;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The thin layer every service uses over the MinIO Java SDK: one bucket, whole-object reads and writes, and
 * presigned links. Errors become {@link ObjectNotFoundException} (do not retry) or {@link StorageException}
 * (retry with backoff). Thread-safe.
 */
public final class ObjectStore {
    /** Connect, write and read timeout of a storage request when none is configured. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private final MinioClient client;
    /** Same endpoint and connection pool as {@link #client}; for writes that go out together. */
    private final MinioAsyncClient asyncClient;
    private final MinioClient publicClient;
    private final String bucket;

    public ObjectStore(String endpoint, String publicEndpoint, String accessKey, String secretKey, String bucket,
            String region) {
        this(endpoint, publicEndpoint, accessKey, secretKey, bucket, region, DEFAULT_TIMEOUT);
    }

    public ObjectStore(String endpoint, String publicEndpoint, String accessKey, String secretKey, String bucket,
            String region, Duration timeout) {
        long millis = timeout.toMillis();
        OkHttpClient http = HttpUtils.newDefaultHttpClient(millis, millis, millis).newBuilder()
                .socketFactory(new NoDelaySocketFactory())
                .build();
        this.client = MinioClient.builder().endpoint(endpoint).credentials(accessKey, secretKey).region(region)
                .httpClient(http).build();
        this.asyncClient = MinioAsyncClient.builder().endpoint(endpoint).credentials(accessKey, secretKey)
                .region(region).httpClient(http).build();
        // The host is part of the signature: links for outside clients must be signed for the public endpoint.
        // With the region set the client presigns offline, without asking the server for its location.
        this.publicClient = publicEndpoint == null || publicEndpoint.equals(endpoint)
                ? client
                : MinioClient.builder().endpoint(publicEndpoint).credentials(accessKey, secretKey).region(region)
                        .build();
        this.bucket = bucket;
    }

    public static ObjectStore from(StorageConfig config) {
        return new ObjectStore(config.endpoint(), config.publicEndpoint().orElse(config.endpoint()),
                config.accessKey(), config.secretKey(), config.bucket(), config.region(), config.timeout());
    }

    public String bucket() {
        return bucket;
    }

    /** Creates the bucket if it is missing. */
    public void ensureBucket() {
        try {
            if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
            }
        } catch (ErrorResponseException e) {
            String code = e.errorResponse().code();
            if (!"BucketAlreadyOwnedByYou".equals(code) && !"BucketAlreadyExists".equals(code)) {
                throw new StorageException("cannot create bucket " + bucket + ": " + e.getMessage(), e);
            }
        } catch (Exception e) {
            throw new StorageException("cannot reach object storage to check bucket " + bucket + ": " + e.getMessage(),
                    e);
        }
    }

    /** Writes (or overwrites) an object. */
    public void put(String key, byte[] bytes, String contentType) {
        put(key, bytes, contentType, Map.of());
    }

    /** Writes (or overwrites) an object with user metadata ({@code x-amz-meta-*}). */
    public void put(String key, byte[] bytes, String contentType, Map<String, String> userMetadata) {
        try (InputStream in = new ByteArrayInputStream(bytes)) {
            client.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
                    .stream(in, bytes.length, -1)
                    .contentType(contentType)
                    .userMetadata(userMetadata)
                    .build());
        } catch (Exception e) {
            throw new StorageException("cannot write " + key + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes (or overwrites) several objects at once, over parallel connections, and returns when all are
     * written: one storage round trip instead of one per object. Each write either happens or not; when any fails,
     * the first failure is thrown after all have ended (the caller writes them all again).
     */
    public void putAll(List<Write> writes) {
        List<CompletableFuture<ObjectWriteResponse>> pending = new ArrayList<>();
        StorageException failure = null;
        for (Write write : writes) {
            try {
                pending.add(asyncClient.putObject(PutObjectArgs.builder().bucket(bucket).object(write.key())
                        .stream(new ByteArrayInputStream(write.bytes()), write.bytes().length, -1)
                        .contentType(write.contentType())
                        .userMetadata(write.userMetadata())
                        .build()));
            } catch (Exception e) {
                failure = new StorageException("cannot write " + write.key() + ": " + e.getMessage(), e);
                break;
            }
        }
        for (int i = 0; i < pending.size(); i++) {
            try {
                pending.get(i).join();
            } catch (CompletionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                if (failure == null) {
                    failure = new StorageException("cannot write " + writes.get(i).key() + ": " + cause.getMessage(),
                            cause);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Reads a whole object. */
    public byte[] get(String key) {
        try (InputStream in = client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            return in.readAllBytes();
        } catch (Exception e) {
            throw translate(key, e);
        }
    }

    /** Reads at most {@code maxBytes} of an object; fails if the object is larger, without reading it all. */
    public byte[] get(String key, long maxBytes) {
        // One request: the size comes from the response's Content-Length, and at most one byte past the limit is
        // read when the server does not send it.
        try (GetObjectResponse in = client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            String length = in.headers().get("Content-Length");
            if (length != null && Long.parseLong(length) > maxBytes) {
                throw new ObjectTooLargeException(key, Long.parseLong(length), maxBytes);
            }
            if (length != null) {
                // Read straight into an array of the announced size: readNBytes(n) would collect chunks and copy
                // them, holding the object twice (a 20 MB photo is then 40 MB for a moment).
                byte[] bytes = new byte[Integer.parseInt(length)];
                int read = in.readNBytes(bytes, 0, bytes.length);
                if (read < bytes.length) {
                    throw new StorageException("cannot read " + key + ": the object ended after " + read + " of "
                            + bytes.length + " bytes");
                }
                return bytes;
            }
            byte[] bytes = in.readNBytes((int) Math.min(maxBytes + 1, Integer.MAX_VALUE - 8));
            if (bytes.length > maxBytes) {
                throw new ObjectTooLargeException(key, bytes.length, maxBytes);
            }
            return bytes;
        } catch (ObjectTooLargeException | StorageException e) {
            throw e;
        } catch (Exception e) {
            throw translate(key, e);
        }
    }

    /** Copies an object to a local file (for model files too large to hold in memory). */
    public void download(String key, Path target) {
        try (InputStream in = client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            Files.createDirectories(target.toAbsolutePath().getParent());
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (Exception e) {
            throw translate(key, e);
        }
    }

    /** Uploads a local file. */
    public void upload(Path source, String key, String contentType) {
        try (InputStream in = Files.newInputStream(source)) {
            client.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
                    .stream(in, Files.size(source), -1)
                    .contentType(contentType)
                    .build());
        } catch (Exception e) {
            throw new StorageException("cannot upload " + source + " to " + key + ": " + e.getMessage(), e);
        }
    }

    /** Size, type and user metadata of an object, or empty if there is none. */
    public Optional<ObjectInfo> stat(String key) {
        try {
            StatObjectResponse r = client.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
            return Optional.of(new ObjectInfo(key, r.size(), r.contentType(), r.userMetadata()));
        } catch (Exception e) {
            RuntimeException t = translate(key, e);
            if (t instanceof ObjectNotFoundException) {
                return Optional.empty();
            }
            throw t;
        }
    }

    public boolean exists(String key) {
        return stat(key).isPresent();
    }

    /** Keys under a prefix, in key order. */
    public List<String> list(String prefix) {
        List<String> keys = new ArrayList<>();
        try {
            for (Result<Item> r : client.listObjects(
                    ListObjectsArgs.builder().bucket(bucket).prefix(prefix).recursive(true).build())) {
                keys.add(r.get().objectName());
            }
        } catch (Exception e) {
            throw new StorageException("cannot list " + prefix + ": " + e.getMessage(), e);
        }
        return keys;
    }

    public void delete(String key) {
        try {
            client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
        } catch (Exception e) {
            throw new StorageException("cannot delete " + key + ": " + e.getMessage(), e);
        }
    }

    /** A short-lived GET link signed for the public endpoint. */
    public String presignedGet(String key, Duration validity) {
        try {
            return publicClient.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder()
                    .method(Method.GET).bucket(bucket).object(key)
                    .expiry((int) Math.max(1, validity.toSeconds()))
                    .build());
        } catch (Exception e) {
            throw new StorageException("cannot presign " + key + ": " + e.getMessage(), e);
        }
    }

    private static RuntimeException translate(String key, Exception e) {
        if (e instanceof ErrorResponseException ere) {
            String code = ere.errorResponse().code();
            if ("NoSuchKey".equals(code) || "NoSuchObject".equals(code) || "NotFound".equals(code)) {
                return new ObjectNotFoundException(key);
            }
        }
        return new StorageException("cannot read " + key + ": " + e.getMessage(), e);
    }

    /** One object of {@link #putAll}. */
    public record Write(String key, byte[] bytes, String contentType, Map<String, String> userMetadata) {
        public Write(String key, byte[] bytes, String contentType) {
            this(key, bytes, contentType, Map.of());
        }
    }

    /** What {@link #stat} knows of an object. */
    public record ObjectInfo(String key, long size, String contentType, Map<String, String> userMetadata) {
    }
}
