package io.dreamid.diffusion.onnx;

import ai.djl.engine.Engine;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.platform.Fp16Conversions;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import java.util.EnumSet;

/**
 * The ONNX Runtime that DJL's OnnxRuntime engine brings, used through its own Java API: the pipeline needs what
 * DJL's Predictor does not expose (a model from bytes after the graph rewrite, pinned output buffers reused
 * across denoising steps, the UNet's declared input dtypes, the CUDA provider's availability).
 */
public final class OrtRuntime {
    private OrtRuntime() {
    }

    /** The process-wide environment; DJL's engine starts first, as ONNX Runtime's thread pools expect. */
    public static synchronized OrtEnvironment environment() {
        Engine.getEngine("OnnxRuntime");
        return OrtEnvironment.getEnvironment();
    }

    /** The execution providers this ONNX Runtime build has. */
    public static EnumSet<OrtProvider> providers() {
        environment();
        return OrtEnvironment.getAvailableProviders();
    }

    /**
     * Fails with a message that says what to do if the configured device cannot be used.
     *
     * @throws DeviceUnavailableException when CUDA is asked for and this build or machine cannot provide it
     */
    public static void checkDevice(RuntimeOptions options) {
        if (!options.cuda()) {
            return;
        }
        EnumSet<OrtProvider> providers = providers();
        if (!providers.contains(OrtProvider.CUDA)) {
            throw new DeviceUnavailableException("dreamid.diffusion.device=cuda, but this ONNX Runtime build has no"
                    + " CUDA provider (it has " + providers + "). Build the service with the Maven profile gpu"
                    + " (-Pgpu, com.microsoft.onnxruntime:onnxruntime_gpu) on an image with CUDA 12 and cuDNN 9,"
                    + " or set dreamid.diffusion.device=cpu.");
        }
        try (SessionOptions probe = new SessionOptions()) {
            probe.addCUDA(options.deviceId());
        } catch (OrtException e) {
            throw new DeviceUnavailableException("dreamid.diffusion.device=cuda, but CUDA device " + options.deviceId()
                    + " cannot be used: " + e.getMessage() + ". Check the driver, CUDA 12 and cuDNN 9 libraries"
                    + " (LD_LIBRARY_PATH) and dreamid.diffusion.device-id, or set dreamid.diffusion.device=cpu.", e);
        }
    }

    public static SessionOptions sessionOptions(RuntimeOptions options) throws OrtException {
        SessionOptions so = new SessionOptions();
        try {
            so.setIntraOpNumThreads(options.intraOpThreads());
            so.setInterOpNumThreads(options.interOpThreads());
            so.setOptimizationLevel(switch (options.optimization()) {
                case "none" -> OptLevel.NO_OPT;
                case "basic" -> OptLevel.BASIC_OPT;
                case "extended" -> OptLevel.EXTENDED_OPT;
                default -> OptLevel.ALL_OPT;
            });
            so.setCPUArenaAllocator(options.memoryArena());
            // Shapes are fixed for a whole job, so the memory plan of the first run can be reused.
            so.setMemoryPatternOptimization(true);
            so.setExecutionMode(options.parallel() ? SessionOptions.ExecutionMode.PARALLEL
                    : SessionOptions.ExecutionMode.SEQUENTIAL);
            // Spinning pool threads keep a core busy for a while after every run (each of the three sessions has
            // its own pool): measured here, three such threads took half a core while the platform ran jobs.
            String spin = options.spinWait() ? "1" : "0";
            so.addConfigEntry("session.intra_op.allow_spinning", spin);
            so.addConfigEntry("session.inter_op.allow_spinning", spin);
            if (options.cuda()) {
                so.addCUDA(options.deviceId());
            }
            return so;
        } catch (OrtException | RuntimeException e) {
            so.close();
            throw e;
        }
    }

    /**
     * Run options that give the CPU arena's extra chunks back when the run ends (ONNX Runtime's
     * {@code memory.enable_memory_arena_shrinkage}); for a run that is large and rare. Close after the run.
     */
    public static OrtSession.RunOptions shrinkArenaAfterRun() throws OrtException {
        OrtSession.RunOptions options = new OrtSession.RunOptions();
        try {
            options.addRunConfigEntry("memory.enable_memory_arena_shrinkage", "cpu:0");
            return options;
        } catch (OrtException | RuntimeException e) {
            options.close();
            throw e;
        }
    }

    /**
     * Whether a model's input or output takes float16 (an fp16 export) rather than float32.
     *
     * @throws OrtException                  the model's metadata cannot be read
     * @throws IllegalArgumentException      it has no such input or output, or it is neither float type
     */
    public static boolean half(OrtSession session, String name) throws OrtException {
        var info = session.getInputInfo().containsKey(name) ? session.getInputInfo().get(name)
                : session.getOutputInfo().get(name);
        if (info == null || !(info.getInfo() instanceof TensorInfo tensor)) {
            throw new IllegalArgumentException("the model has no tensor \"" + name + "\"");
        }
        if (tensor.type != OnnxJavaType.FLOAT && tensor.type != OnnxJavaType.FLOAT16) {
            throw new IllegalArgumentException("\"" + name + "\" is " + tensor.type + "; float32 or float16 expected");
        }
        return tensor.type == OnnxJavaType.FLOAT16;
    }

    /** A float32 tensor of {@code values}, or a float16 one (round to nearest even) when {@code half}. */
    public static OnnxTensor floats(float[] values, long[] shape, boolean half) throws OrtException {
        if (!half) {
            return OnnxTensor.createTensor(environment(), FloatBuffer.wrap(values), shape);
        }
        ShortBuffer bits = ByteBuffer.allocateDirect(values.length * 2).order(ByteOrder.nativeOrder())
                .asShortBuffer();
        for (int i = 0; i < values.length; i++) {
            bits.put(i, Fp16Conversions.floatToFp16(values[i]));
        }
        return OnnxTensor.createTensor(environment(), bits, shape, OnnxJavaType.FLOAT16);
    }

    /** A float32 or float16 tensor's values as float32. */
    public static float[] floats(OnnxTensor tensor) {
        // getFloatBuffer widens float16 (and bfloat16) itself; null for other types.
        FloatBuffer buffer = tensor.getFloatBuffer();
        if (buffer == null) {
            throw new IllegalArgumentException("a " + tensor.getInfo().type + " tensor where float32 or float16 was"
                    + " expected");
        }
        float[] values = new float[buffer.remaining()];
        buffer.get(values);
        return values;
    }

    public static OrtSession open(Path model, RuntimeOptions options) throws OrtException {
        try (SessionOptions so = sessionOptions(options)) {
            return environment().createSession(model.toString(), so);
        }
    }

    public static OrtSession open(byte[] model, RuntimeOptions options) throws OrtException {
        try (SessionOptions so = sessionOptions(options)) {
            return environment().createSession(model, so);
        }
    }
}
