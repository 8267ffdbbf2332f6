package io.dreamid.diffusion.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.platform.Fp16Conversions;
import io.dreamid.diffusion.bundle.BundleException;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The UNet ({@code sample}, {@code timestep}, {@code encoder_hidden_states} to the noise or velocity prediction).
 * The timestep's dtype (float32, float16, int64 or int32) and shape (scalar, [1] or [batch]) are read from the model,
 * since exports differ; so is the precision of the sample, the prediction and the text states: float32, or float16
 * for an fp16 export (converted at the boundary, round to nearest even; the pipeline works in float32). A
 * {@link Call} holds direct buffers and tensors for one image's whole loop, so a step only copies the latents in and
 * the prediction out.
 */
public final class UnetSession implements AutoCloseable {
    private final OrtSession session;
    private final String outputName;
    private final OnnxJavaType timestepType;
    private final long[] timestepShape;
    private final int contextWidth;
    private final int fixedBatch;
    /** Whether sample and prediction are float16 (an fp16 export). */
    private final boolean halfSample;
    /** Whether encoder_hidden_states is float16. */
    private final boolean halfContext;

    public UnetSession(Path model, RuntimeOptions options) throws OrtException {
        this.session = OrtRuntime.open(model, options);
        try {
            Map<String, NodeInfo> inputs = session.getInputInfo();
            for (String name : new String[] {"sample", "timestep", "encoder_hidden_states"}) {
                if (!inputs.containsKey(name)) {
                    throw new BundleException("the UNet " + model + " has no input \"" + name + "\" (inputs: "
                            + inputs.keySet() + ")");
                }
            }
            TensorInfo sample = (TensorInfo) inputs.get("sample").getInfo();
            this.halfSample = floatOrHalf(sample, "sample");
            TensorInfo output = (TensorInfo) session.getOutputInfo().values().iterator().next().getInfo();
            if (floatOrHalf(output, "output") != halfSample) {
                throw new BundleException("the UNet takes " + sample.type + " samples but returns " + output.type
                        + "; both float32 or both float16 expected");
            }
            TensorInfo contextInfo = (TensorInfo) inputs.get("encoder_hidden_states").getInfo();
            this.halfContext = floatOrHalf(contextInfo, "encoder_hidden_states");
            TensorInfo t = (TensorInfo) inputs.get("timestep").getInfo();
            if (t.type != OnnxJavaType.FLOAT && t.type != OnnxJavaType.FLOAT16 && t.type != OnnxJavaType.INT64
                    && t.type != OnnxJavaType.INT32) {
                throw new BundleException("the UNet's timestep is " + t.type
                        + "; float32, float16, int64 or int32 expected");
            }
            this.timestepType = t.type;
            this.timestepShape = t.getShape();
            if (timestepShape.length > 1) {
                throw new BundleException("the UNet's timestep has shape " + Arrays.toString(timestepShape)
                        + "; a scalar, [1] or [batch] is expected");
            }
            long[] context = contextInfo.getShape();
            this.contextWidth = context.length == 3 ? (int) context[2] : -1;
            long sampleBatch = sample.getShape().length == 4 ? sample.getShape()[0] : -1;
            long contextBatch = context.length == 3 ? context[0] : -1;
            this.fixedBatch = (int) Math.max(sampleBatch > 0 ? sampleBatch : -1, contextBatch > 0 ? contextBatch : -1);
            this.outputName = session.getOutputNames().iterator().next();
        } catch (OrtException | RuntimeException e) {
            session.close();
            throw e;
        }
    }

    private static boolean floatOrHalf(TensorInfo info, String what) {
        if (info.type != OnnxJavaType.FLOAT && info.type != OnnxJavaType.FLOAT16) {
            throw new BundleException("the UNet's " + what + " is " + info.type + "; float32 or float16 expected");
        }
        return info.type == OnnxJavaType.FLOAT16;
    }

    /** Whether the UNet runs on float16 samples (an fp16 export). */
    public boolean half() {
        return halfSample;
    }

    /** The text width the UNet declares for encoder_hidden_states, or -1 if it is dynamic. */
    public int contextWidth() {
        return contextWidth;
    }

    /**
     * The batch size the export fixes for {@code sample} or {@code encoder_hidden_states} (an export traced without a
     * dynamic batch axis), or -1 when the batch is dynamic and several images can share one run.
     */
    public int fixedBatch() {
        return fixedBatch;
    }

    public String timestepDescription() {
        return timestepType + Arrays.toString(timestepShape);
    }

    /** Buffers for {@code batch} samples of [4, h, w] conditioned on {@code context} [batch, sequence, width]. */
    public Call begin(int batch, int latentHeight, int latentWidth, float[] context, int sequence) throws OrtException {
        return new Call(batch, latentHeight, latentWidth, context, sequence);
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }

    /** One image's denoising loop: inputs and output tensors stay bound to the same direct buffers throughout. */
    public final class Call implements AutoCloseable {
        private final OrtEnvironment env = OrtRuntime.environment();
        /** float32 or float16 (a ShortBuffer of IEEE half bits), as the UNet declares. */
        private final Buffer sample;
        private final Buffer out;
        private final Buffer timestep;
        private final OnnxTensor sampleTensor;
        private final OnnxTensor timestepTensor;
        private final OnnxTensor contextTensor;
        private final OnnxTensor outTensor;
        private final Map<String, OnnxTensor> inputs;
        private final Map<String, OnnxTensor> pinned;
        private final int timestepCount;

        private Call(int batch, int h, int w, float[] context, int sequence) throws OrtException {
            long[] shape = {batch, 4, h, w};
            int n = batch * 4 * h * w;
            sample = halfSample ? halves(n) : direct(n).asFloatBuffer();
            out = halfSample ? halves(n) : direct(n).asFloatBuffer();
            timestepCount = timestepShape.length == 0 ? 1 : timestepShape[0] > 0 ? (int) timestepShape[0] : batch;
            long[] tShape = timestepShape.length == 0 ? new long[0] : new long[] {timestepCount};
            OnnxTensor st = null;
            OnnxTensor tt = null;
            OnnxTensor ct = null;
            try {
                st = tensor(sample, shape);
                ByteBuffer tBytes = direct(timestepCount * 2);
                if (timestepType == OnnxJavaType.FLOAT16) {
                    timestep = halves(timestepCount);
                    tt = OnnxTensor.createTensor(env, (ShortBuffer) timestep, tShape, OnnxJavaType.FLOAT16);
                } else if (timestepType == OnnxJavaType.FLOAT) {
                    timestep = tBytes.asFloatBuffer().limit(timestepCount);
                    tt = OnnxTensor.createTensor(env, (FloatBuffer) timestep, tShape);
                } else if (timestepType == OnnxJavaType.INT64) {
                    timestep = tBytes.asLongBuffer().limit(timestepCount);
                    tt = OnnxTensor.createTensor(env, (LongBuffer) timestep, tShape);
                } else {
                    timestep = tBytes.asIntBuffer().limit(timestepCount);
                    tt = OnnxTensor.createTensor(env, (IntBuffer) timestep, tShape);
                }
                long[] cShape = {batch, sequence, context.length / (batch * sequence)};
                if (halfContext) {
                    ShortBuffer c = halves(context.length);
                    for (int i = 0; i < context.length; i++) {
                        c.put(i, Fp16Conversions.floatToFp16(context[i]));
                    }
                    ct = OnnxTensor.createTensor(env, c, cShape, OnnxJavaType.FLOAT16);
                } else {
                    FloatBuffer c = direct(context.length).asFloatBuffer().put(context);
                    c.rewind();
                    ct = OnnxTensor.createTensor(env, c, cShape);
                }
                outTensor = tensor(out, shape);
            } catch (OrtException | RuntimeException e) {
                for (OnnxTensor t : new OnnxTensor[] {st, tt, ct}) {
                    if (t != null) {
                        t.close();
                    }
                }
                throw e;
            }
            sampleTensor = st;
            timestepTensor = tt;
            contextTensor = ct;
            inputs = Map.of("sample", sampleTensor, "timestep", timestepTensor, "encoder_hidden_states", contextTensor);
            pinned = Map.of(outputName, outTensor);
        }

        /**
         * Runs the UNet once. {@code copies} times {@code latents} form the batch (the same latents for the
         * unconditional and the conditional branch); the prediction is written into {@code prediction}.
         */
        public void run(float[] latents, int copies, int t, float[] prediction) throws OrtException {
            run(List.of(latents), new int[] {copies}, t, prediction);
        }

        /**
         * Runs the UNet once on several images: image {@code j} fills {@code copies[j]} consecutive samples with
         * {@code latents.get(j)}, in order, matching the context the call was begun with.
         */
        public void run(List<float[]> latents, int[] copies, int t, float[] prediction) throws OrtException {
            sample.clear();
            for (int j = 0; j < copies.length; j++) {
                for (int i = 0; i < copies[j]; i++) {
                    if (sample instanceof ShortBuffer half) {
                        for (float v : latents.get(j)) {
                            half.put(Fp16Conversions.floatToFp16(v));
                        }
                    } else {
                        ((FloatBuffer) sample).put(latents.get(j));
                    }
                }
            }
            for (int i = 0; i < timestepCount; i++) {
                if (timestep instanceof ShortBuffer h) {
                    h.put(i, Fp16Conversions.floatToFp16(t));
                } else if (timestep instanceof FloatBuffer f) {
                    f.put(i, t);
                } else if (timestep instanceof LongBuffer l) {
                    l.put(i, t);
                } else {
                    ((IntBuffer) timestep).put(i, t);
                }
            }
            // Pinned output: ONNX Runtime writes into our buffer, no result tensor is allocated per step.
            session.run(inputs, pinned).close();
            if (out instanceof ShortBuffer half) {
                for (int i = 0; i < prediction.length; i++) {
                    prediction[i] = Fp16Conversions.fp16ToFloat(half.get(i));
                }
            } else {
                FloatBuffer f = (FloatBuffer) out;
                f.rewind();
                f.get(prediction);
            }
        }

        private OnnxTensor tensor(Buffer buffer, long[] shape) throws OrtException {
            return buffer instanceof ShortBuffer half ? OnnxTensor.createTensor(env, half, shape, OnnxJavaType.FLOAT16)
                    : OnnxTensor.createTensor(env, (FloatBuffer) buffer, shape);
        }

        @Override
        public void close() {
            sampleTensor.close();
            timestepTensor.close();
            contextTensor.close();
            outTensor.close();
        }
    }

    private static ByteBuffer direct(int floats) {
        return ByteBuffer.allocateDirect(floats * 4).order(ByteOrder.nativeOrder());
    }

    private static ShortBuffer halves(int count) {
        return ByteBuffer.allocateDirect(count * 2).order(ByteOrder.nativeOrder()).asShortBuffer();
    }
}
