package io.dreamid.face.recognize;

import io.dreamid.facerec.DlibWeights;
import io.dreamid.facerec.FaceRecognitionGraph;
import ai.djl.engine.Engine;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.dreamid.common.image.RgbImage;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * dlib's face recognition ResNet under ONNX Runtime: its tfjs weights come from the face-recognition module's jar
 * ({@link DlibWeights}: face-api.js's npm package, fetched at build time and checked by SHA-256 when read), this
 * converts them with {@link FaceRecognitionGraph} at load time and runs the graph. An ONNX Runtime session may be
 * run from several threads at once.
 */
public final class FaceRecognizer implements AutoCloseable {
    public static final String WEIGHTS_FILE = DlibWeights.WEIGHTS_FILE;
    public static final String MANIFEST_FILE = DlibWeights.MANIFEST_FILE;
    /** dlib's decision threshold: two descriptors nearer than this are the same person. */
    public static final double SAME_PERSON_THRESHOLD = 0.6;
    public static final String MODEL_ID = "dlib-resnet-v1";

    private final OrtSession session;

    /** @param intraOpThreads ONNX Runtime threads per run */
    public FaceRecognizer(int intraOpThreads) {
        byte[] model = convert();
        try {
            Engine.getEngine("OnnxRuntime");
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setIntraOpNumThreads(intraOpThreads);
                options.setInterOpNumThreads(1);
                this.session = env.createSession(model, options);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("cannot load the face recognition graph: " + e.getMessage(), e);
        }
    }

    /** The converted graph, serialised, for writing it to a file (see {@link #main}). */
    public static byte[] convert() {
        return FaceRecognitionGraph.build(DlibWeights.fromClasspath());
    }

    /**
     * The descriptor and pooled features of each 150x150 chip, in one run.
     *
     * @param chips aligned faces, each {@value FaceRecognitionGraph#INPUT_SIZE} px square
     */
    public List<FaceEmbedding> describe(List<RgbImage> chips) {
        int side = FaceRecognitionGraph.INPUT_SIZE;
        float[] input = new float[chips.size() * side * side * 3];
        int k = 0;
        for (RgbImage chip : chips) {
            if (chip.width() != side || chip.height() != side) {
                throw new IllegalArgumentException("a face chip must be " + side + "x" + side + ", got "
                        + chip.width() + "x" + chip.height());
            }
            for (byte b : chip.rgb()) {
                input[k++] = b & 0xff;
            }
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(input),
                new long[] {chips.size(), side, side, 3});
                OrtSession.Result result = session.run(java.util.Map.of(FaceRecognitionGraph.INPUT, tensor))) {
            float[][] descriptors = (float[][]) result.get(FaceRecognitionGraph.DESCRIPTOR).orElseThrow().getValue();
            List<float[][]> pools = new ArrayList<>();
            for (String name : FaceRecognitionGraph.POOLED) {
                pools.add((float[][]) result.get(name).orElseThrow().getValue());
            }
            List<FaceEmbedding> out = new ArrayList<>();
            for (int i = 0; i < chips.size(); i++) {
                List<float[]> pooled = new ArrayList<>();
                for (float[][] p : pools) {
                    pooled.add(p[i]);
                }
                out.add(new FaceEmbedding(descriptors[i], pooled));
            }
            return out;
        } catch (OrtException e) {
            throw new IllegalStateException("the face recognition network failed: " + e.getMessage(), e);
        }
    }

    public FaceEmbedding describe(RgbImage chip) {
        return describe(List.of(chip)).get(0);
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the converted graph: {@code FaceRecognizer <out.onnx>}. */
    public static void main(String[] args) throws java.io.IOException {
        Files.write(Path.of(args[0]), convert());
    }
}
