package io.dreamid.encoder.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import ai.djl.util.PairList;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.SessionOptions;
import io.dreamid.encoder.bundle.BundleException;
import io.dreamid.encoder.bundle.EncoderConfig;
import io.dreamid.encoder.bundle.TokenPooling;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The ViT backbone ({@code backbone.onnx}) on ONNX Runtime through DJL. It takes one 1 x 3 x S x S image and returns,
 * per tapped layer, the pooled token vector of that layer's hidden state ({@code hidden_<layer>}, 1 x T x D).
 * Predictors are not thread-safe: each concurrent caller borrows its own from a pool that grows to the number of
 * worker threads that ever run at once.
 */
public final class Backbone implements AutoCloseable {
    public static final String FILE = "backbone.onnx";

    private final Model model;
    private final PoolingTranslator translator;
    private final ConcurrentLinkedQueue<Predictor<float[], Features>> idle = new ConcurrentLinkedQueue<>();
    private final int tokens;

    private Backbone(Model model, PoolingTranslator translator, int tokens) {
        this.model = model;
        this.translator = translator;
        this.tokens = tokens;
    }

    /**
     * Loads the graph, checks its input against {@code config} and runs it once on a blank image to check that it
     * outputs every tapped layer with feature width {@code featureWidth} (the projector's).
     *
     * @param intraOpThreads ONNX Runtime threads per run; 0 keeps its default (all cores)
     */
    public static Backbone load(Path file, EncoderConfig config, int featureWidth, int intraOpThreads) {
        PoolingTranslator translator = new PoolingTranslator(config, featureWidth);
        Model model = Model.newInstance(FILE, Device.cpu(), "OnnxRuntime");
        try (SessionOptions session = sessionOptions()) {
            Map<String, Object> options = new HashMap<>();
            options.put("sessionOptions", session);
            if (intraOpThreads > 0) {
                options.put("intraOpNumThreads", Integer.toString(intraOpThreads));
            }
            model.load(file, null, options);
        } catch (MalformedModelException | IOException | OrtException | RuntimeException e) {
            model.close();
            throw new BundleException(FILE + " cannot be loaded by ONNX Runtime: " + rootMessage(e), e);
        }
        try {
            checkInput(model, config);
            int tokens = probe(model, translator, config);
            return new Backbone(model, translator, tokens);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Session options given to DJL, which has no option of its own for this: the pool threads sleep between
     * operators instead of spinning. Spinning threads keep burning a core after every run, which on cores shared
     * with the other services slows them down (the diffusion-service README has the figures).
     */
    static SessionOptions sessionOptions() throws OrtException {
        SessionOptions session = new SessionOptions();
        try {
            session.addConfigEntry("session.intra_op.allow_spinning", "0");
            session.addConfigEntry("session.inter_op.allow_spinning", "0");
            return session;
        } catch (OrtException | RuntimeException e) {
            session.close();
            throw e;
        }
    }

    /** T, the number of tokens of each hidden state. */
    public int tokens() {
        return tokens;
    }

    /** Pooled features, one vector of width D per tapped layer, for a preprocessed image. */
    public float[][] run(float[] pixels) {
        Predictor<float[], Features> predictor = idle.poll();
        if (predictor == null) {
            predictor = model.newPredictor(translator);
        }
        try {
            return predictor.predict(pixels).pooled();
        } catch (TranslateException e) {
            throw new BackboneException("the backbone failed on this input: " + rootMessage(e), e);
        } finally {
            idle.offer(predictor);
        }
    }

    @Override
    public void close() {
        for (Predictor<float[], Features> p = idle.poll(); p != null; p = idle.poll()) {
            p.close();
        }
        model.close();
    }

    private static void checkInput(Model model, EncoderConfig config) {
        PairList<String, Shape> inputs = model.describeInput();
        if (inputs == null) {
            return;
        }
        if (inputs.size() != 1) {
            throw new BundleException(FILE + " must take exactly one input (pixels, N x 3 x S x S), it takes "
                    + inputs.keys());
        }
        Shape shape = inputs.get(0).getValue();
        if (shape == null) {
            return;
        }
        long[] dims = shape.getShape();
        int s = config.inputSize();
        boolean fits = dims.length == 4 && (dims[1] == 3 || dims[1] < 0) && (dims[2] == s || dims[2] < 0)
                && (dims[3] == s || dims[3] < 0);
        if (!fits) {
            throw new BundleException(FILE + ": input " + inputs.get(0).getKey() + " has shape "
                    + Arrays.toString(dims) + " but " + EncoderConfig.FILE + " has inputSize " + s + " (expected [N, 3, "
                    + s + ", " + s + "])");
        }
    }

    private static int probe(Model model, PoolingTranslator translator, EncoderConfig config) {
        int s = config.inputSize();
        try (Predictor<float[], Features> predictor = model.newPredictor(translator)) {
            return predictor.predict(new float[3 * s * s]).tokens();
        } catch (TranslateException | RuntimeException e) {
            Throwable cause = e;
            while (cause.getCause() != null && !(cause instanceof BundleException)) {
                cause = cause.getCause();
            }
            if (cause instanceof BundleException be) {
                throw be;
            }
            throw new BundleException(FILE + " fails to run on a 1x3x" + s + "x" + s + " input (inputSize " + s
                    + " of " + EncoderConfig.FILE + "): " + rootMessage(e), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** The backbone failed at run time on one input (a model error, not a bundle problem). */
    public static final class BackboneException extends RuntimeException {
        BackboneException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** One run's pooled vectors (one per tapped layer) and the token count T of the hidden states. */
    private record Features(float[][] pooled, int tokens) {
    }

    /** Java array in, pooled vectors out: the only copy of the hidden states is the one out of ONNX Runtime. */
    private static final class PoolingTranslator implements Translator<float[], Features> {
        private final Shape shape;
        private final String[] names;
        private final TokenPooling pooling;
        private final int featureWidth;

        PoolingTranslator(EncoderConfig config, int featureWidth) {
            int s = config.inputSize();
            this.shape = new Shape(1, 3, s, s);
            this.names = Arrays.stream(config.tappedLayers()).mapToObj(EncoderConfig::outputName)
                    .toArray(String[]::new);
            this.pooling = config.tokenPooling();
            this.featureWidth = featureWidth;
        }

        @Override
        public NDList processInput(TranslatorContext ctx, float[] pixels) {
            return new NDList(ctx.getNDManager().create(pixels, shape));
        }

        @Override
        public Features processOutput(TranslatorContext ctx, NDList outputs) {
            float[][] pooled = new float[names.length][];
            int tokens = 0;
            for (int i = 0; i < names.length; i++) {
                NDArray hidden = outputs.get(names[i]);
                if (hidden == null) {
                    throw new BundleException(FILE + " has no output " + names[i] + " for tapped layer "
                            + names[i].substring("hidden_".length()) + "; its outputs are " + outputNames(outputs));
                }
                long[] dims = hidden.getShape().getShape();
                if (dims.length != 3 || dims[0] != 1 || dims[2] != featureWidth || dims[1] < 1) {
                    throw new BundleException(FILE + ": output " + names[i] + " has shape " + Arrays.toString(dims)
                            + ", expected [1, tokens, " + featureWidth + "] (the feature width of "
                            + Projector.FILE + ")");
                }
                tokens = (int) dims[1];
                pooled[i] = pool(hidden.toFloatArray(), tokens);
            }
            return new Features(pooled, tokens);
        }

        private float[] pool(float[] hidden, int tokens) {
            if (pooling == TokenPooling.CLS) {
                return Arrays.copyOf(hidden, featureWidth);
            }
            float[] mean = new float[featureWidth];
            for (int t = 0; t < tokens; t++) {
                int base = t * featureWidth;
                for (int d = 0; d < featureWidth; d++) {
                    mean[d] += hidden[base + d];
                }
            }
            float inv = 1f / tokens;
            for (int d = 0; d < featureWidth; d++) {
                mean[d] *= inv;
            }
            return mean;
        }

        private static String outputNames(NDList outputs) {
            return Arrays.toString(outputs.stream().map(NDArray::getName).toArray());
        }

        @Override
        public Batchifier getBatchifier() {
            return null;
        }
    }
}
