package io.dreamid.face.detect;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;

import java.nio.FloatBuffer;

/**
 * Hands a prepared NHWC input to the model and returns its four outputs as plain arrays; all pre- and
 * post-processing happens in Java arrays outside DJL (NDArray maths is mostly missing on the OnnxRuntime engine).
 */
public final class BlazeFaceTranslator implements NoBatchifyTranslator<float[], BlazeFaceTranslator.RawOutput> {
    /** Output names of the Barracuda export: scores and regressions of the 16x16 grid, then of the 8x8 grid. */
    static final String[] OUTPUTS = {"Identity:0", "Identity_1:0", "Identity_2:0", "Identity_3:0"};

    private final int size;

    BlazeFaceTranslator(int size) {
        this.size = size;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, float[] input) {
        NDArray array = ctx.getNDManager().create(FloatBuffer.wrap(input), new Shape(1, size, size, 3));
        array.setName("input:0");
        return new NDList(array);
    }

    @Override
    public RawOutput processOutput(TranslatorContext ctx, NDList list) {
        float[][] outputs = new float[OUTPUTS.length][];
        for (int i = 0; i < OUTPUTS.length; i++) {
            NDArray array = list.get(OUTPUTS[i]);
            if (array == null) {
                throw new IllegalStateException("BlazeFace model has no output " + OUTPUTS[i] + " (outputs: "
                        + list.getShapes().length + ")");
            }
            outputs[i] = array.toFloatArray();
        }
        return new RawOutput(outputs[0], outputs[1], outputs[2], outputs[3]);
    }

    /** The model's outputs: logits and regressions per grid. */
    public record RawOutput(float[] scores16, float[] scores8, float[] boxes16, float[] boxes8) {
    }
}
