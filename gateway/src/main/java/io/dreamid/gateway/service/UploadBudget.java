package io.dreamid.gateway.service;

import io.dreamid.gateway.config.GatewayConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Bounds the photo bytes the gateway holds in memory at once. A photo is read whole to check it and to write it to
 * storage, and that takes about one and a half times its size while it lasts: ten 19 MB uploads at once ran the
 * gateway out of its heap. A submission reserves its photo's size before reading it; when the budget is taken it
 * waits (fairly, in arrival order) for up to {@code upload-wait}, then is refused with 503 and a Retry-After, and
 * nothing is accepted. Thread-safe.
 */
@ApplicationScoped
public class UploadBudget {
    private static final int KIB = 1024;

    @Inject
    GatewayConfig config;

    @Inject
    MeterRegistry metrics;

    private Semaphore free;
    private int totalKib;
    private Duration wait;

    @PostConstruct
    void init() {
        // Always room for one photo of the largest accepted size, whatever the setting.
        long bytes = Math.max(config.uploadMemory().asLongValue(), config.maxImageBytes().asLongValue());
        configure(bytes, config.uploadWait());
        Gauge.builder("dreamid.gateway.upload.memory.reserved", this, b -> (double) b.reservedBytes())
                .description("photo bytes reserved by submissions being checked and stored")
                .baseUnit("bytes").register(metrics);
    }

    void configure(long bytes, Duration wait) {
        this.totalKib = (int) Math.min(Integer.MAX_VALUE, Math.max(1, bytes / KIB));
        this.free = new Semaphore(totalKib, true);
        this.wait = wait;
    }

    /**
     * Reserves room for a photo of {@code bytes}; close the reservation when the photo's bytes are no longer held.
     *
     * @throws UploadBudgetException when no room frees up within the configured wait
     */
    public Reservation reserve(long bytes) {
        long wanted = bytes / KIB + (bytes % KIB == 0 ? 0 : 1);
        int kib = (int) Math.min(totalKib, Math.max(1, wanted));
        boolean got;
        try {
            got = free.tryAcquire(kib, wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            got = false;
        }
        if (!got) {
            metrics.counter("dreamid.gateway.upload.refused").increment();
            throw new UploadBudgetException("the gateway is busy reading other photos (" + totalKib / KIB
                    + " MiB of uploads at once at most) and none finished within " + wait.toSeconds()
                    + " s; nothing was accepted, retry the request in a few seconds");
        }
        return new Reservation(kib);
    }

    /** Photo bytes reserved right now (a multiple of 1 KiB). */
    public long reservedBytes() {
        return (long) (totalKib - free.availablePermits()) * KIB;
    }

    /** Room held for one photo; closing it more than once frees it once. */
    public final class Reservation implements AutoCloseable {
        private int kib;

        private Reservation(int kib) {
            this.kib = kib;
        }

        @Override
        public synchronized void close() {
            if (kib > 0) {
                free.release(kib);
                kib = 0;
            }
        }
    }

    /** No room for the photo in time: answered 503 with a Retry-After. */
    public static final class UploadBudgetException extends RuntimeException {
        public UploadBudgetException(String message) {
            super(message);
        }
    }
}
