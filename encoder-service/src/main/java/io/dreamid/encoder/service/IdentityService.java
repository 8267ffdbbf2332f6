package io.dreamid.encoder.service;

import io.dreamid.stage.StageFailure;
import io.dreamid.stage.StageRetry;
import io.dreamid.common.models.RunGuard;
import io.dreamid.common.ObjectKeys;
import io.dreamid.common.image.BadImageException;
import io.dreamid.common.image.ImageLimits;
import io.dreamid.common.image.RgbImage;
import io.dreamid.common.image.SafeImageDecoder;
import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.storage.ObjectNotFoundException;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.common.storage.ObjectTooLargeException;
import io.dreamid.encoder.bundle.EncoderConfig;
import io.dreamid.encoder.config.EncoderServiceConfig;
import io.dreamid.encoder.model.Backbone;
import io.dreamid.encoder.model.M2Encoder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The encoder stage's work, free of messaging: an aligned crop to a stored identity (computed, or reused when the
 * same crop was encoded before by the same encoder version), and the lookup of an identity named by a job.
 */
@ApplicationScoped
public class IdentityService {
    private static final Logger LOG = Logger.getLogger(IdentityService.class);
    static final String METRIC_IDENTITIES = "dreamid.encoder.identities";
    static final String METRIC_STEP = "dreamid.encoder.step";

    private final EncoderHolder holder;
    private final ObjectStore store;
    private final StageRetry retry;
    private final MeterRegistry registry;
    private final ImageLimits cropLimits;
    private final long maxCropBytes;

    IdentityService(EncoderHolder holder, ObjectStore store, StageRetry retry, MeterRegistry registry,
            EncoderServiceConfig config) {
        this.holder = holder;
        this.store = store;
        this.retry = retry;
        this.registry = registry;
        this.maxCropBytes = config.maxCropBytes();
        this.cropLimits = new ImageLimits(config.maxCropBytes(), 4096, 4096, 16L * 1024 * 1024);
    }

    /**
     * The identity of the crop at {@code cropRef}, encoded and stored unless already in storage.
     *
     * @throws StageFailure BAD_IMAGE, MODEL_ERROR or STORAGE_ERROR
     */
    public Identity encodeCrop(String cropRef) {
        M2Encoder encoder = holder.encoder();
        EncoderConfig config = encoder.config();
        Map<String, Long> timings = new LinkedHashMap<>();

        long t0 = System.nanoTime();
        RgbImage crop = loadCrop(inputOf(cropRef, config));
        String identityId = IdentityIds.of(crop, config.version());
        String key = ObjectKeys.identity(identityId);
        record(timings, "encoder.load", System.nanoTime() - t0);

        Optional<IdentityFile> stored = readStored(identityId, key);
        if (stored.isPresent() && stored.get().encoderVersion().equals(config.version())
                && stored.get().words() == config.words() && stored.get().width() == config.width()) {
            registry.counter(METRIC_IDENTITIES, "outcome", "reused").increment();
            return new Identity(identityId, key, config.version(), config.words(), config.width(), true, timings);
        }

        M2Encoder.Encoding encoding;
        try (RunGuard.Run run = holder.enter()) {
            encoding = encoder.encode(crop);
        } catch (Backbone.BackboneException e) {
            throw new StageFailure(ErrorCodes.MODEL_ERROR, "the encoder's backbone failed on the aligned crop "
                    + cropRef + ": " + e.getMessage(), e);
        }
        record(timings, "encoder.preprocess", encoding.preprocessNanos());
        record(timings, "encoder.backbone", encoding.backboneNanos());
        record(timings, "encoder.projector", encoding.projectorNanos());

        long t1 = System.nanoTime();
        byte[] bytes = new IdentityFile(identityId, config.version(), config.words(), config.width(), cropRef,
                encoding.embedding()).toBytes();
        retry.run("write " + key, () -> store.put(key, bytes, "application/octet-stream", Map.of(
                "encoder-version", config.version(),
                "words", Integer.toString(config.words()),
                "width", Integer.toString(config.width()))));
        record(timings, "encoder.store", System.nanoTime() - t1);
        registry.counter(METRIC_IDENTITIES, "outcome", "encoded").increment();
        return new Identity(identityId, key, config.version(), config.words(), config.width(), false, timings);
    }

    /**
     * An identity named by a job.
     *
     * @throws StageFailure IDENTITY_NOT_FOUND (absent, or not a readable identity) or STORAGE_ERROR
     */
    public Identity lookup(String identityId) {
        if (!ObjectKeys.isSafeId(identityId)) {
            throw new StageFailure(ErrorCodes.IDENTITY_NOT_FOUND, "\"" + identityId + "\" is not an identity id "
                    + "(identity ids are " + IdentityIds.HEX_DIGITS + " hex digits, as returned when a face is encoded)");
        }
        long t0 = System.nanoTime();
        String key = ObjectKeys.identity(identityId);
        byte[] bytes;
        try {
            bytes = retry.call("read " + key, () -> store.get(key, 64L * 1024 * 1024));
        } catch (ObjectNotFoundException e) {
            throw new StageFailure(ErrorCodes.IDENTITY_NOT_FOUND, "identity " + identityId
                    + " does not exist; encode a face first (POST /v1/identities) and use the id it returns");
        } catch (ObjectTooLargeException e) {
            throw new StageFailure(ErrorCodes.IDENTITY_NOT_FOUND, "identity " + identityId + " is not a valid "
                    + "identity file: " + e.getMessage());
        }
        IdentityFile file;
        try {
            file = IdentityFile.read(bytes);
        } catch (IllegalArgumentException e) {
            throw new StageFailure(ErrorCodes.IDENTITY_NOT_FOUND, "identity " + identityId
                    + " is stored but unreadable (" + e.getMessage() + "); encode the face again");
        }
        Map<String, Long> timings = new LinkedHashMap<>();
        record(timings, "encoder.lookup", System.nanoTime() - t0);
        registry.counter(METRIC_IDENTITIES, "outcome", "looked-up").increment();
        return new Identity(identityId, key, file.encoderVersion(), file.words(), file.width(), true, timings);
    }

    /** The face image the bundle's backbone reads: the aligned crop itself, or the dlib chip stored beside it. */
    private static String inputOf(String cropRef, EncoderConfig config) {
        if (!EncoderConfig.CROP_DLIB_CHIP.equals(config.crop())) {
            return cropRef;
        }
        String chip = ObjectKeys.faceChipBesideCrop(cropRef);
        if (chip == null) {
            throw new StageFailure(ErrorCodes.BAD_SPEC, "the encoder " + config.version() + " reads the dlib chip"
                    + " stored beside the aligned crop, but " + cropRef + " is not a crop of the layout"
                    + " faces/{jobId}/aligned.png or faces/{jobId}/person-NAME-aligned.png");
        }
        return chip;
    }

    private RgbImage loadCrop(String cropRef) {
        byte[] png;
        try {
            png = retry.call("read the aligned crop " + cropRef, () -> store.get(cropRef, maxCropBytes));
        } catch (ObjectNotFoundException e) {
            throw new StageFailure(ErrorCodes.STORAGE_ERROR, "the aligned crop " + cropRef
                    + " named by the face message is not in storage");
        } catch (ObjectTooLargeException e) {
            throw new StageFailure(ErrorCodes.BAD_IMAGE, "the aligned crop is too large: " + e.getMessage());
        }
        try {
            return SafeImageDecoder.decode(png, cropLimits);
        } catch (BadImageException e) {
            throw new StageFailure(ErrorCodes.BAD_IMAGE, "the aligned crop " + cropRef + " is not a usable image: "
                    + e.getMessage(), e);
        }
    }

    /** The stored identity, or empty when absent or unreadable (then it is computed again and overwritten). */
    private Optional<IdentityFile> readStored(String identityId, String key) {
        byte[] bytes;
        try {
            bytes = retry.call("read " + key, () -> store.get(key));
        } catch (ObjectNotFoundException e) {
            return Optional.empty();
        }
        try {
            return Optional.of(IdentityFile.read(bytes));
        } catch (IllegalArgumentException e) {
            LOG.warnf("stored identity %s is unreadable (%s); encoding it again", identityId, e.getMessage());
            return Optional.empty();
        }
    }

    private void record(Map<String, Long> timings, String step, long nanos) {
        timings.put(step, TimeUnit.NANOSECONDS.toMillis(nanos));
        Timer.builder(METRIC_STEP).tag("step", step).register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * @param reused  the embedding was already in storage and was not computed again
     * @param timings milliseconds per step, keyed {@code encoder.<step>}
     */
    public record Identity(String identityId, String embeddingRef, String encoderVersion, int words, int width,
            boolean reused, Map<String, Long> timings) {
        /** This identity with one more step timing (milliseconds). */
        public Identity withTiming(String step, long millis) {
            Map<String, Long> more = new LinkedHashMap<>(timings);
            more.put(step, millis);
            return new Identity(identityId, embeddingRef, encoderVersion, words, width, reused, more);
        }
    }
}
