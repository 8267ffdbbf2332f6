package io.dreamid.face.recognize;

import io.dreamid.common.image.RgbImage;
import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.common.messages.FaceChoice;
import io.dreamid.common.models.RunGuard;
import io.dreamid.face.pipeline.FaceAnalysis;
import io.dreamid.face.pipeline.FaceEngine;
import io.dreamid.face.pipeline.FaceFailure;
import io.dreamid.face.pipeline.FacePipeline;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The faces of a generated image as the identity judge counts them: only faces that passed the detector's
 * close-up verification. The detector returns unverified candidates when none passes (so that an unusual photo is
 * still aligned), but for a generated image they are no face: noise can look like one. The identity judge and the
 * dataset builder both judge through here.
 */
public final class GeneratedFaces {
    private static final Logger LOG = Logger.getLogger(GeneratedFaces.class);

    /**
     * @param count     verified faces in the image (0: none)
     * @param analysis  the largest face's analysis (aligned crop, chip), null when there is none
     * @param embedding the largest face's descriptor (chip and mirror image), null when there is none
     */
    public record Found(int count, FaceAnalysis analysis, FaceEmbedding embedding) {
        static final Found NONE = new Found(0, null, null);
    }

    private GeneratedFaces() {
    }

    /**
     * The descriptor (chip and mirror image) of every verified face of {@code png}, left to right; empty when it has
     * none. {@code what} names the image in logs.
     */
    public static List<FaceEmbedding> describeAll(FaceEngine engine, byte[] png, String what) {
        try (RunGuard.Run run = engine.enter()) {
            FacePipeline.FaceChips found = engine.pipeline().chips(png, engine.policy());
            if (!found.detections().verified()) {
                LOG.debugf("%s has only unverified face candidates", what);
                return List.of();
            }
            List<FaceEmbedding> faces = new ArrayList<>();
            for (RgbImage chip : found.chips()) {
                faces.add(FaceComparer.describeWithMirror(engine.recognizer(), chip));
            }
            return faces;
        } catch (FaceFailure e) {
            LOG.warnf("%s could not be judged (%s): %s", what, e.code(), e.getMessage());
            return List.of();
        }
    }

    /** The verified faces of {@code png} and the largest one's descriptor; {@code what} names it in logs. */
    public static Found find(FaceEngine engine, byte[] png, String what) {
        try (RunGuard.Run run = engine.enter()) {
            FaceAnalysis analysis = engine.pipeline().analyse(png, FaceChoice.LARGEST, engine.policy(),
                    engine.cropSize(), new LinkedHashMap<>());
            if (!analysis.detections().verified()) {
                LOG.debugf("%s has only unverified face candidates", what);
                return Found.NONE;
            }
            FaceEmbedding face = FaceComparer.describeWithMirror(engine.recognizer(),
                    analysis.recognitionChip().crop());
            return new Found(analysis.detections().faces().size(), analysis, face);
        } catch (FaceFailure e) {
            if (!ErrorCodes.NO_FACE.equals(e.code())) {
                LOG.warnf("%s could not be judged (%s): %s", what, e.code(), e.getMessage());
            }
            return Found.NONE;
        }
    }
}
