package io.dreamid.face.detect;

import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * Both BlazeFace models, loaded once through DJL's OnnxRuntime engine after their files are verified. Predictors
 * are not thread-safe: each worker takes its own {@link Predictors} from {@link #newPredictors()}. Closing this
 * closes the models; close the predictors first.
 */
public final class BlazeFaceModels implements AutoCloseable {
    private final Map<BlazeFaceVariant, ZooModel<float[], BlazeFaceTranslator.RawOutput>> models =
            new EnumMap<>(BlazeFaceVariant.class);

    /**
     * @param dir               folder with the two ONNX files
     * @param intraOpThreads    ONNX Runtime threads per inference; 1 lets several workers share the cores
     *                          without oversubscribing them
     */
    public BlazeFaceModels(Path dir, int intraOpThreads) {
        try {
            for (BlazeFaceVariant variant : BlazeFaceVariant.values()) {
                Path file = ModelFiles.verified(dir, variant);
                Criteria<float[], BlazeFaceTranslator.RawOutput> criteria = Criteria.builder()
                        .setTypes(float[].class, BlazeFaceTranslator.RawOutput.class)
                        .optModelPath(file)
                        .optEngine("OnnxRuntime")
                        .optTranslator(new BlazeFaceTranslator(variant.size()))
                        .optOption("intraOpNumThreads", Integer.toString(intraOpThreads))
                        .optOption("interOpNumThreads", "1")
                        .build();
                models.put(variant, criteria.loadModel());
            }
        } catch (IOException | ModelNotFoundException | MalformedModelException | RuntimeException e) {
            close();
            if (e instanceof IllegalStateException ise) {
                throw ise;
            }
            throw new IllegalStateException("cannot load the BlazeFace models from " + dir.toAbsolutePath() + ": "
                    + e.getMessage() + "; " + ModelFiles.HOW_TO_GET, e);
        }
    }

    public Predictors newPredictors() {
        return new Predictors(models.get(BlazeFaceVariant.FRONT).newPredictor(),
                models.get(BlazeFaceVariant.BACK).newPredictor());
    }

    @Override
    public void close() {
        models.values().forEach(ZooModel::close);
        models.clear();
    }

    /** One predictor per model, for the exclusive use of one worker at a time. */
    public static final class Predictors implements AutoCloseable {
        private final Predictor<float[], BlazeFaceTranslator.RawOutput> front;
        private final Predictor<float[], BlazeFaceTranslator.RawOutput> back;

        private Predictors(Predictor<float[], BlazeFaceTranslator.RawOutput> front,
                Predictor<float[], BlazeFaceTranslator.RawOutput> back) {
            this.front = front;
            this.back = back;
        }

        /** Runs {@code variant} on an NHWC input of its size, values in [-1, 1]. */
        public BlazeFaceTranslator.RawOutput run(BlazeFaceVariant variant, float[] input) {
            try {
                return (variant == BlazeFaceVariant.FRONT ? front : back).predict(input);
            } catch (TranslateException e) {
                throw new ModelException("BlazeFace " + variant.id() + " failed: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            front.close();
            back.close();
        }
    }
}
