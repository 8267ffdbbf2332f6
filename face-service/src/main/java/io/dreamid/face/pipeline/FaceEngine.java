package io.dreamid.face.pipeline;

import io.dreamid.common.image.ImageLimits;
import io.dreamid.face.align.FaceAligner;
import io.dreamid.face.config.FaceConfig;
import io.dreamid.face.detect.BlazeFaceModels;
import io.dreamid.face.detect.DetectorPolicy;
import io.dreamid.face.detect.FaceDetector;
import io.dreamid.face.recognize.FaceComparer;
import io.dreamid.face.recognize.FaceRecognizer;
import io.quarkus.runtime.Startup;
import io.dreamid.common.models.RunGuard;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.nio.file.Path;

/**
 * Loads the models when the service starts (a missing or corrupt model stops it there, with the fix in the
 * message) and owns the one {@link FacePipeline} the consumer and the HTTP endpoint share.
 */
@Startup
@Singleton
public class FaceEngine {
    private static final Logger LOG = Logger.getLogger(FaceEngine.class);

    private final BlazeFaceModels models;
    private final FaceDetector detector;
    private final FacePipeline pipeline;
    private final FaceRecognizer recognizer;
    private final FaceComparer comparer;
    private final DetectorPolicy policy;
    private final int cropSize;

    public FaceEngine(FaceConfig config) {
        this.policy = DetectorPolicy.parse(config.detector());
        FaceAligner.requireSupported(config.cropSize());
        this.cropSize = config.cropSize();
        Path dir = Path.of(config.modelDir());
        this.models = new BlazeFaceModels(dir, config.intraOpThreads());
        this.detector = new FaceDetector(models, config.workers(), config.minScore(),
                config.faceScore());
        this.pipeline = new FacePipeline(detector, new ImageLimits(config.maxPhotoBytes(), 8192, 8192,
                config.maxPhotoPixels()), config.maxDecodedPixels());
        this.recognizer = new FaceRecognizer(config.intraOpThreads());
        this.comparer = new FaceComparer(pipeline, recognizer);
        LOG.infof("BlazeFace models loaded from %s, the face recognition network from the classpath; %d workers, policy %s, crop %d px", dir.toAbsolutePath(),
                config.workers(), config.detector(), cropSize);
    }

    /** How long closing waits for runs in progress (a stopping service's requests and jobs in hand). */
    private static final java.time.Duration CLOSE_WAIT = java.time.Duration.ofSeconds(30);
    private final RunGuard guard = new RunGuard("face models");

    public FacePipeline pipeline() {
        return pipeline;
    }

    public FaceComparer comparer() {
        return comparer;
    }

    public FaceRecognizer recognizer() {
        return recognizer;
    }

    public DetectorPolicy policy() {
        return policy;
    }

    public int cropSize() {
        return cropSize;
    }

    /** Brackets a run of the models: they are closed only after every run has ended. */
    public RunGuard.Run enter() {
        return guard.enter();
    }

    @PreDestroy
    void close() {
        guard.closeWhenIdle(CLOSE_WAIT, () -> {
            detector.close();
            models.close();
            recognizer.close();
        });
    }
}
