package io.dreamid.diffusion.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import io.dreamid.diffusion.bundle.BundleException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.dreamid.diffusion.TinyBundles.maxAbsDiff;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The rewriter handles, by what the nodes do and not by their names, every way an export passes {@code input_ids}
 * on (Reshape, Cast, Identity, Squeeze/Unsqueeze, Flatten) to the token Gather, to the Shape that sets the sequence
 * length and to the pooled output's ArgMax; and refuses, naming the node, a graph that needs the ids' values.
 * Each graph is a small text encoder built here: hidden = table[ids] + positions[0:S], S read from the ids' shape.
 */
class TextEncoderGraphPatternsTest {
    private static final int VOCAB = 10;
    private static final int WIDTH = 4;
    private static final int POSITIONS = 8;
    private static final float[] TABLE = values(VOCAB * WIDTH, 0.1f);
    private static final float[] POSITION_TABLE = values(POSITIONS * WIDTH, -0.03f);

    /** How the export passes the ids on before they reach the Gather, the Shape and the ArgMax. */
    enum Chain {
        DIRECT, RESHAPE_LIKE_HF, CAST_FROM_INT32, IDENTITY, UNSQUEEZE_THEN_SQUEEZE, FLATTEN
    }

    @ParameterizedTest
    @EnumSource(Chain.class)
    void idsPassedOnThroughShapeOnlyOperatorsAreRewritten(Chain chain) throws Exception {
        ModelProto model = encoder(chain, false, false);
        TextEncoderRewriter.Rewritten r = TextEncoderRewriter.rewrite(model, Path.of("."), chain.name());

        assertThat(r.tokenTable()).containsExactly(TABLE);
        assertThat(r.vocabSize()).isEqualTo(VOCAB);
        assertThat(r.width()).isEqualTo(WIDTH);
        try (OrtSession original = OrtRuntime.open(model.toByteArray(), RuntimeOptions.CPU_DEFAULTS);
                OrtSession rewritten = OrtRuntime.open(r.model(), RuntimeOptions.CPU_DEFAULTS)) {
            assertThat(rewritten.getInputNames()).containsExactly("inputs_embeds");
            assertThat(rewritten.getOutputNames()).containsExactly("last_hidden_state");
            // Two sequence lengths: the length must follow the embeddings, not be frozen into the graph.
            for (long[][] ids : List.of(new long[][] {{1, 4, 9, 2, 2}, {3, 0, 7, 7, 5}}, new long[][] {{6, 8, 1}})) {
                float[] expected = expected(ids);
                float[] viaIds = run(original, "input_ids", idsTensor(chain, ids));
                float[] viaEmbeds = run(rewritten, "inputs_embeds", OnnxTensor.createTensor(OrtRuntime.environment(),
                        FloatBuffer.wrap(lookup(ids)), new long[] {ids.length, ids[0].length, WIDTH}));

                assertThat(maxAbsDiff(viaIds, expected)).as("the test graph itself").isLessThan(1e-6);
                assertThat(maxAbsDiff(viaEmbeds, expected)).isLessThan(1e-6);
            }
        }
    }

    @Test
    void aPooledOutputFoundByComparingTheIdsWithTheEndTokenIsDroppedNotRefused() throws Exception {
        ModelProto model = encoder(Chain.RESHAPE_LIKE_HF, false, true);

        TextEncoderRewriter.Rewritten r = TextEncoderRewriter.rewrite(model, Path.of("."), "eos pooling");

        long[][] ids = {{1, 4, 9, 2, 2}};
        try (OrtSession rewritten = OrtRuntime.open(r.model(), RuntimeOptions.CPU_DEFAULTS)) {
            float[] viaEmbeds = run(rewritten, "inputs_embeds", OnnxTensor.createTensor(OrtRuntime.environment(),
                    FloatBuffer.wrap(lookup(ids)), new long[] {1, 5, WIDTH}));
            assertThat(maxAbsDiff(viaEmbeds, expected(ids))).isLessThan(1e-6);
        }
    }

    @Test
    void anAttentionMaskComputedFromTheIdsIsRefusedNamingItsNode() {
        ModelProto model = encoder(Chain.RESHAPE_LIKE_HF, true, false);

        assertThatThrownBy(() -> TextEncoderRewriter.rewrite(model, Path.of("."), "masked"))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("uses input_ids in node \"/text_model/mask/Equal\" (Equal)");
    }

    @Test
    void idsUsedAsAReshapeTargetAreRefused() {
        ModelProto base = encoder(Chain.DIRECT, false, false);
        GraphProto.Builder g = base.getGraph().toBuilder();
        // last_hidden_state = Reshape(hidden, input_ids): shaped by the ids' values, not by their shape.
        for (int i = 0; i < g.getNodeCount(); i++) {
            if (g.getNode(i).getOutput(0).equals("last_hidden_state")) {
                g.setNode(i, g.getNode(i).toBuilder().setOutput(0, "hidden_before_reshape"));
            }
        }
        g.addNode(node("Reshape", "/odd/Reshape", List.of("hidden_before_reshape", "input_ids"),
                List.of("last_hidden_state")));

        assertThatThrownBy(() -> TextEncoderRewriter.rewrite(base.toBuilder().setGraph(g).build(), Path.of("."), "odd"))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("node \"/odd/Reshape\" (Reshape)");
    }

    // ---------------------------------------------------------------------------------------------------------

    private static ModelProto encoder(Chain chain, boolean attentionMask, boolean eosPooling) {
        GraphProto.Builder g = GraphProto.newBuilder().setName("tiny_text_encoder");
        boolean int32 = chain == Chain.CAST_FROM_INT32;
        g.addInput(tensorInfo("input_ids", int32 ? TensorProto.DataType.INT32 : TensorProto.DataType.INT64,
                "batch", "sequence"));
        g.addInitializer(floats("token_embedding.weight", TABLE, VOCAB, WIDTH));
        g.addInitializer(floats("position_embedding.weight", POSITION_TABLE, POSITIONS, WIDTH));
        g.addInitializer(longs("zero", new long[] {0}, 1));
        g.addInitializer(longs("one", new long[] {1}));
        g.addInitializer(longs("minus_one", new long[] {-1}, 1));
        g.addInitializer(longs("pad_id", new long[] {2}));

        String ids = "input_ids";
        switch (chain) {
            case DIRECT -> {
            }
            case RESHAPE_LIKE_HF -> {
                // input_ids.view(-1, input_shape[-1]) as torch.onnx writes it.
                g.addNode(node("Shape", "/text_model/Shape", List.of(ids), List.of("ids_shape")));
                g.addNode(node("Gather", "/text_model/Gather", List.of("ids_shape", "one"), List.of("seq_scalar")));
                g.addNode(unsqueeze("/text_model/Unsqueeze", "seq_scalar", "seq_1d"));
                g.addNode(node("Concat", "/text_model/Concat", List.of("minus_one", "seq_1d"), List.of("view_shape"))
                        .toBuilder().addAttribute(intAttribute("axis", 0)).build());
                g.addNode(node("Reshape", "/text_model/Reshape", List.of(ids, "view_shape"), List.of("ids_view")));
                ids = "ids_view";
            }
            case CAST_FROM_INT32 -> {
                g.addNode(node("Cast", "/text_model/Cast", List.of(ids), List.of("ids_int64")).toBuilder()
                        .addAttribute(intAttribute("to", TensorProto.DataType.INT64_VALUE)).build());
                ids = "ids_int64";
            }
            case IDENTITY -> {
                g.addNode(node("Identity", "/text_model/Identity", List.of(ids), List.of("ids_same")));
                ids = "ids_same";
            }
            case UNSQUEEZE_THEN_SQUEEZE -> {
                g.addNode(node("Unsqueeze", "/text_model/Unsqueeze", List.of(ids, "zero"), List.of("ids_3d")));
                g.addNode(node("Squeeze", "/text_model/Squeeze", List.of("ids_3d", "zero"), List.of("ids_2d")));
                ids = "ids_2d";
            }
            case FLATTEN -> {
                g.addNode(node("Flatten", "/text_model/Flatten", List.of(ids), List.of("ids_flat")).toBuilder()
                        .addAttribute(intAttribute("axis", 1)).build());
                ids = "ids_flat";
            }
        }
        // Token embedding, positions cut to the sequence length read from the ids' shape, their sum.
        g.addNode(node("Gather", "/text_model/embeddings/token_embedding/Gather",
                List.of("token_embedding.weight", ids), List.of("token_embeds")));
        g.addNode(node("Shape", "/text_model/embeddings/Shape", List.of(ids), List.of("shape_for_positions")));
        g.addNode(node("Gather", "/text_model/embeddings/Gather", List.of("shape_for_positions", "one"),
                List.of("length_scalar")));
        g.addNode(unsqueeze("/text_model/embeddings/Unsqueeze", "length_scalar", "length"));
        g.addNode(node("Slice", "/text_model/embeddings/Slice",
                List.of("position_embedding.weight", "zero", "length", "zero"), List.of("positions")));
        String hidden = attentionMask ? "hidden_unmasked" : "last_hidden_state";
        g.addNode(node("Add", "/text_model/embeddings/Add", List.of("token_embeds", "positions"), List.of(hidden)));
        if (attentionMask) {
            g.addNode(node("Equal", "/text_model/mask/Equal", List.of(ids, "pad_id"), List.of("is_pad")));
            g.addNode(node("Not", "/text_model/mask/Not", List.of("is_pad"), List.of("not_pad")));
            g.addNode(node("Cast", "/text_model/mask/Cast", List.of("not_pad"), List.of("keep")).toBuilder()
                    .addAttribute(intAttribute("to", TensorProto.DataType.FLOAT_VALUE)).build());
            g.addNode(node("Unsqueeze", "/text_model/mask/Unsqueeze", List.of("keep", "minus_one"),
                    List.of("keep_3d")));
            g.addNode(node("Mul", "/text_model/mask/Mul", List.of(hidden, "keep_3d"), List.of("last_hidden_state")));
        }
        // Pooled output: the hidden state at argmax(ids), the end token's position in CLIP (transformers >= 4.31
        // with an eos_token_id other than 2, as SD 2.x's config has: argmax(ids == eos)).
        String endMarks = ids;
        if (eosPooling) {
            g.addNode(node("Equal", "/text_model/Equal", List.of(ids, "pad_id"), List.of("is_end")));
            endMarks = "is_end";
        }
        g.addNode(node("Cast", "/text_model/Cast_argmax", List.of(endMarks), List.of("ids_for_argmax")).toBuilder()
                .addAttribute(intAttribute("to", TensorProto.DataType.INT32_VALUE)).build());
        g.addNode(node("ArgMax", "/text_model/ArgMax", List.of("ids_for_argmax"), List.of("end_position")).toBuilder()
                .addAttribute(intAttribute("axis", -1)).build());
        g.addNode(node("Cast", "/text_model/Cast_pooled", List.of("end_position"), List.of("pooler_output"))
                .toBuilder().addAttribute(intAttribute("to", TensorProto.DataType.FLOAT_VALUE)).build());
        g.addOutput(tensorInfo("last_hidden_state", TensorProto.DataType.FLOAT, "batch", "sequence", WIDTH));
        g.addOutput(tensorInfo("pooler_output", TensorProto.DataType.FLOAT, "batch", 1));
        return ModelProto.newBuilder().setIrVersion(7).setProducerName("pytorch")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(14)).setGraph(g).build();
    }

    private static float[] expected(long[][] ids) {
        int s = ids[0].length;
        float[] out = lookup(ids);
        for (int b = 0; b < ids.length; b++) {
            for (int i = 0; i < s; i++) {
                for (int w = 0; w < WIDTH; w++) {
                    out[(b * s + i) * WIDTH + w] += POSITION_TABLE[i * WIDTH + w];
                }
            }
        }
        return out;
    }

    private static float[] lookup(long[][] ids) {
        int s = ids[0].length;
        float[] out = new float[ids.length * s * WIDTH];
        for (int b = 0; b < ids.length; b++) {
            for (int i = 0; i < s; i++) {
                System.arraycopy(TABLE, (int) ids[b][i] * WIDTH, out, (b * s + i) * WIDTH, WIDTH);
            }
        }
        return out;
    }

    private static OnnxTensor idsTensor(Chain chain, long[][] ids) throws Exception {
        long[] shape = {ids.length, ids[0].length};
        List<Long> flat = new ArrayList<>();
        for (long[] row : ids) {
            for (long id : row) {
                flat.add(id);
            }
        }
        if (chain == Chain.CAST_FROM_INT32) {
            return OnnxTensor.createTensor(OrtRuntime.environment(),
                    IntBuffer.wrap(flat.stream().mapToInt(Long::intValue).toArray()), shape);
        }
        return OnnxTensor.createTensor(OrtRuntime.environment(),
                LongBuffer.wrap(flat.stream().mapToLong(Long::longValue).toArray()), shape);
    }

    private static float[] run(OrtSession session, String input, OnnxTensor tensor) throws Exception {
        try (tensor; OrtSession.Result out = session.run(Map.of(input, tensor), Set.of("last_hidden_state"))) {
            FloatBuffer b = ((OnnxTensor) out.get(0)).getFloatBuffer();
            float[] a = new float[b.remaining()];
            b.get(a);
            return a;
        }
    }

    private static float[] values(int n, float step) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) Math.sin(i * 0.7 + step * i * i);
        }
        return v;
    }

    private static NodeProto node(String op, String name, List<String> inputs, List<String> outputs) {
        return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addAllOutput(outputs).build();
    }

    private static NodeProto unsqueeze(String name, String in, String out) {
        return node("Unsqueeze", name, List.of(in, "zero"), List.of(out));
    }

    private static AttributeProto intAttribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    private static TensorProto floats(String name, float[] data, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
        for (long d : dims) {
            t.addDims(d);
        }
        for (float f : data) {
            t.addFloatData(f);
        }
        return t.build();
    }

    private static TensorProto longs(String name, long[] data, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE);
        for (long d : dims) {
            t.addDims(d);
        }
        for (long v : data) {
            t.addInt64Data(v);
        }
        return t.build();
    }

    private static ValueInfoProto tensorInfo(String name, TensorProto.DataType type, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d instanceof String param) {
                dim.setDimParam(param);
            } else {
                dim.setDimValue(((Number) d).longValue());
            }
            shape.addDim(dim);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape))).build();
    }
}
