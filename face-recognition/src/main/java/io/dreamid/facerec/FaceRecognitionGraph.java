package io.dreamid.facerec;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Writes dlib's face recognition ResNet ({@code dlib_face_recognition_resnet_model_v1}) as an ONNX graph from its
 * tfjs weights, layer for layer as face-api.js's {@code FaceRecognitionNet.forwardInput} runs it:
 * <ol>
 *   <li>input {@code image} [N, 150, 150, 3], RGB 0-255 (NHWC, as tfjs); minus (122.782, 117.001, 104.298),
 *       divided by 255 (face-api.js's constant; dlib itself divides by 256, which only scales the descriptor);</li>
 *   <li>7x7 stride-2 convolution (valid) + per-channel scale and bias + ReLU, 3x3 stride-2 max pool (valid);</li>
 *   <li>residual blocks {@code relu(x + scale(conv(relu(scale(conv(x))))))} with 3x3 same-padded convolutions;
 *       down-sampling blocks whose first convolution is 3x3 stride 2 (valid) and whose shortcut is a 2x2 average
 *       pool, padded with zero channels to the block's width, and whose residual branch is padded with a zero
 *       row and column at the bottom and right when the pool is one larger (4x4 against 3x3, 2x2 against 1x1);</li>
 *   <li>mean over the 2x2 positions, times the 256x128 matrix {@code fc} (no bias): the descriptor, not
 *       normalised.</li>
 * </ol>
 * Each convolution's bias and the scale layer after it are folded into the convolution
 * ({@code (conv(x, W) + b) * s + t = conv(x, W * s) + (b * s + t)}).
 *
 * <p>Outputs: {@code descriptor} [N, 128], and the global mean of the features at the end of each resolution
 * stage: {@code pool_35} [N, 32], {@code pool_17} [N, 64], {@code pool_8} [N, 128], {@code pool_4} [N, 256],
 * {@code pool_2} [N, 256] (the last is the vector the descriptor is computed from).
 *
 * <p>{@link #buildBackbone} writes the same network as an M² encoder backbone (the encoder-service's
 * {@code backbone.onnx} contract): input {@value #BACKBONE_INPUT} [N, 3, 150, 150], RGB scaled to 0..1 minus
 * {@link #MEAN_RGB}/255 (what {@code encoder.json}'s mean and std give), and per stage s = 1..5 an output
 * {@code hidden_<s>} [N, 1, 256]: that stage's pooled features as one token, widened to 256 with zero channels as the
 * network's own down-sampling shortcuts widen theirs, so every tap has the projector's one feature width.
 */
public final class FaceRecognitionGraph {
    public static final int INPUT_SIZE = 150;
    public static final String INPUT = "image";
    public static final String DESCRIPTOR = "descriptor";
    public static final int DESCRIPTOR_SIZE = 128;
    /** The pooled-feature outputs, from the finest resolution to the coarsest. */
    public static final List<String> POOLED = List.of("pool_35", "pool_17", "pool_8", "pool_4", "pool_2");
    /** What face-api.js subtracts from each RGB channel (0-255) before dividing by {@link #DIVISOR}. */
    public static final float[] MEAN_RGB = {122.782f, 117.001f, 104.298f};
    public static final String BACKBONE_INPUT = "pixel_values";
    /** The feature width of every {@code hidden_<s>} output of the backbone graph: the widest stage's. */
    public static final int BACKBONE_WIDTH = 256;
    public static final float DIVISOR = 255f;
    private static final int OPSET = 13;

    private final TfjsWeights weights;
    private final boolean backbone;
    private final GraphProto.Builder graph = GraphProto.newBuilder().setName("dlib_face_recognition_resnet_model_v1");
    private int counter;

    private FaceRecognitionGraph(TfjsWeights weights, boolean backbone) {
        this.weights = weights;
        this.backbone = backbone;
    }

    /** The serialised ONNX model. */
    public static byte[] build(TfjsWeights weights) {
        return new FaceRecognitionGraph(weights, false).model().toByteArray();
    }

    /** The serialised ONNX model as an M² encoder backbone (see the class comment). */
    public static byte[] buildBackbone(TfjsWeights weights) {
        return new FaceRecognitionGraph(weights, true).model().toByteArray();
    }

    private ModelProto model() {
        String x;
        if (backbone) {
            // The encoder has already scaled to 0..1, subtracted MEAN_RGB / 255 and laid the pixels out NCHW.
            graph.addInput(valueInfo(BACKBONE_INPUT, "N", 3, INPUT_SIZE, INPUT_SIZE));
            x = BACKBONE_INPUT;
        } else {
            graph.addInput(valueInfo(INPUT, "N", INPUT_SIZE, INPUT_SIZE, 3));
            x = node("Sub", List.of(INPUT, constant("mean_rgb", MEAN_RGB, 3)));
            x = node("Div", List.of(x, constant("divisor", new float[] {DIVISOR})));
            x = node("Transpose", List.of(x), intsAttr("perm", 0, 3, 1, 2));
        }
        int size = INPUT_SIZE;

        x = conv(x, "conv32_down", 2, true);
        size = (size - 7) / 2 + 1;
        x = node("MaxPool", List.of(x), intsAttr("kernel_shape", 3, 3), intsAttr("strides", 2, 2));
        size = (size - 3) / 2 + 1;
        for (String block : List.of("conv32_1", "conv32_2", "conv32_3")) {
            x = residual(x, block);
        }
        pooled(x, POOLED.get(0));

        int[] s = {size};
        x = residualDown(x, "conv64_down", s, 32, 64);
        for (String block : List.of("conv64_1", "conv64_2", "conv64_3")) {
            x = residual(x, block);
        }
        pooled(x, POOLED.get(1));
        x = residualDown(x, "conv128_down", s, 64, 128);
        for (String block : List.of("conv128_1", "conv128_2")) {
            x = residual(x, block);
        }
        pooled(x, POOLED.get(2));
        x = residualDown(x, "conv256_down", s, 128, 256);
        for (String block : List.of("conv256_1", "conv256_2")) {
            x = residual(x, block);
        }
        pooled(x, POOLED.get(3));
        x = residualDown(x, "conv256_down_out", s, 256, 256);
        String mean = pooled(x, POOLED.get(4));

        if (backbone) {
            return modelProto();
        }
        TfjsWeights.Tensor fc = weights.get("fc");
        graph.addInitializer(tensor("fc", fc.values(), fc.shape()[0], fc.shape()[1]));
        graph.addNode(NodeProto.newBuilder().setOpType("MatMul").setName("descriptor").addInput(mean)
                .addInput("fc").addOutput(DESCRIPTOR));
        graph.addOutput(valueInfo(DESCRIPTOR, "N", DESCRIPTOR_SIZE));
        return modelProto();
    }

    private ModelProto modelProto() {
        return ModelProto.newBuilder().setIrVersion(7).setProducerName("dreamid-face-recognition")
                .setDocString("dlib face recognition ResNet v1 (weights public domain, Davis King), converted from"
                        + " @vladmandic/face-api@1.7.15 model/face_recognition_model.bin")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(graph).build();
    }

    private String pooled(String x, String output) {
        graph.addNode(NodeProto.newBuilder().setOpType("ReduceMean").setName(output).addInput(x).addOutput(output)
                .addAttribute(intsAttr("axes", 2, 3)).addAttribute(intAttr("keepdims", 0)));
        int channels = switch (output) {
            case "pool_35" -> 32;
            case "pool_17" -> 64;
            case "pool_8" -> 128;
            default -> 256;
        };
        if (!backbone) {
            graph.addOutput(valueInfo(output, "N", channels));
            return output;
        }
        // hidden_<stage> [N, 1, 256]: zero channels up to the common width, then one token.
        String hidden = "hidden_" + (POOLED.indexOf(output) + 1);
        String wide = channels == BACKBONE_WIDTH ? output
                : node("Pad", List.of(output, longs(0, 0, 0, BACKBONE_WIDTH - channels)));
        graph.addNode(NodeProto.newBuilder().setOpType("Unsqueeze").setName(hidden).addInput(wide)
                .addInput(longs(1)).addOutput(hidden));
        graph.addOutput(valueInfo(hidden, "N", 1, BACKBONE_WIDTH));
        return output;
    }

    private String residual(String x, String block) {
        String out = conv(x, block + "/conv1", 1, true);
        out = conv(out, block + "/conv2", 1, false);
        out = node("Add", List.of(out, x));
        return node("Relu", List.of(out));
    }

    /** @param size in: the input's side; out: the block's output side */
    private String residualDown(String x, String block, int[] size, int inChannels, int outChannels) {
        String out = conv(x, block + "/conv1", 2, true);
        out = conv(out, block + "/conv2", 1, false);
        int convSide = (size[0] - 3) / 2 + 1;
        int poolSide = (size[0] - 2) / 2 + 1;
        String pooled = node("AveragePool", List.of(x), intsAttr("kernel_shape", 2, 2), intsAttr("strides", 2, 2));
        if (poolSide != convSide) {
            if (poolSide != convSide + 1) {
                throw new IllegalStateException(block + ": pool side " + poolSide + " vs conv side " + convSide);
            }
            out = node("Pad", List.of(out, longs(0, 0, 0, 0, 0, 0, 1, 1)));
        }
        if (inChannels != outChannels) {
            pooled = node("Pad", List.of(pooled, longs(0, 0, 0, 0, 0, outChannels - inChannels, 0, 0)));
        }
        size[0] = poolSide;
        return node("Relu", List.of(node("Add", List.of(out, pooled))));
    }

    /** Convolution (tfjs filters [kh, kw, in, out]) with its bias and the following scale layer folded in. */
    private String conv(String x, String prefix, int stride, boolean relu) {
        TfjsWeights.Tensor filters = weights.get(prefix + "/conv/filters");
        float[] bias = weights.get(prefix + "/conv/bias").values();
        float[] scale = weights.get(prefix + "/scale/weights").values();
        float[] shift = weights.get(prefix + "/scale/biases").values();
        int kh = filters.shape()[0];
        int kw = filters.shape()[1];
        int in = filters.shape()[2];
        int out = filters.shape()[3];
        float[] w = new float[out * in * kh * kw];
        float[] f = filters.values();
        for (int y = 0; y < kh; y++) {
            for (int xx = 0; xx < kw; xx++) {
                for (int i = 0; i < in; i++) {
                    for (int o = 0; o < out; o++) {
                        w[((o * in + i) * kh + y) * kw + xx] = f[((y * kw + xx) * in + i) * out + o] * scale[o];
                    }
                }
            }
        }
        float[] b = new float[out];
        for (int o = 0; o < out; o++) {
            b[o] = bias[o] * scale[o] + shift[o];
        }
        String wName = prefix + "/W";
        String bName = prefix + "/B";
        graph.addInitializer(tensor(wName, w, out, in, kh, kw));
        graph.addInitializer(tensor(bName, b, out));
        // 'same' for stride 1 (pad 1 each side of a 3x3), 'valid' for the stride-2 convolutions, as face-api.js.
        int pad = stride == 1 ? kh / 2 : 0;
        String y = node("Conv", List.of(x, wName, bName), intsAttr("kernel_shape", kh, kw),
                intsAttr("strides", stride, stride), intsAttr("pads", pad, pad, pad, pad));
        return relu ? node("Relu", List.of(y)) : y;
    }

    private String constant(String name, float[] values, long... dims) {
        graph.addInitializer(tensor(name, values, dims));
        return name;
    }

    private String longs(long... values) {
        String name = "const_" + (counter++);
        ByteBuffer buf = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            buf.putLong(v);
        }
        graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64.getNumber())
                .addDims(values.length).setRawData(ByteString.copyFrom(buf.array())));
        return name;
    }

    private String node(String op, List<String> inputs, AttributeProto... attributes) {
        String out = op.toLowerCase() + "_" + (counter++);
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(out).addAllInput(inputs).addOutput(out);
        for (AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        graph.addNode(n);
        return out;
    }

    private static TensorProto tensor(String name, float[] values, long... dims) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buf.putFloat(v);
        }
        TensorProto.Builder t = TensorProto.newBuilder().setName(name)
                .setDataType(TensorProto.DataType.FLOAT.getNumber()).setRawData(ByteString.copyFrom(buf.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    private static AttributeProto intsAttr(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name)
                .setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    private static AttributeProto intAttr(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    private static ValueInfoProto valueInfo(String name, String batch, int... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(batch));
        for (int d : dims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT.getNumber()).setShape(shape)))
                .build();
    }
}
