package io.dreamid.diffusion.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.platform.Fp16Conversions;
import com.google.protobuf.ByteString;
import io.dreamid.diffusion.bundle.BundleException;

import java.io.BufferedInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Rewrites a CLIP text encoder exported with an {@code input_ids} input into one that takes {@code inputs_embeds}
 * [batch, sequence, width], so that identity embeddings can be placed at chosen token positions, and returns the
 * token-embedding table it cut out (it stays in Java memory for the look-ups).
 *
 * <p>Supported graph shapes (HF's CLIPTextModel as torch.onnx exports it through diffusers' converter or optimum),
 * recognised by what the nodes do, never by their names:
 * <ul>
 *   <li>the token embedding is one {@code Gather(table, ids)} whose {@code table} is a 2-D float32 or float16
 *       initializer and whose indices are {@code input_ids}, possibly through Reshape / Cast / Identity / Squeeze /
 *       Unsqueeze / Flatten (HF does {@code input_ids.view(-1, S)}); it is removed and its consumers read
 *       {@code inputs_embeds}, of the table's type;</li>
 *   <li>only {@code last_hidden_state} is kept as an output: the pooled output indexes the hidden states with
 *       {@code argmax(input_ids)} (the end-of-text position), which no longer exists once the ids are gone, and
 *       the UNet only reads {@code last_hidden_state}. Nodes that fed only the dropped outputs are removed;</li>
 *   <li>what is left reads the ids only for their shape (the sequence length that cuts the position ids):
 *       {@code Shape} of the ids or of the ids through the operators above. Shapes do not depend on values, so
 *       the ids become a zero tensor shaped like the first two dimensions of {@code inputs_embeds}.</li>
 * </ul>
 * Any other use of the ids' values is refused with the node's name, rather than guessed at.
 */
public final class TextEncoderRewriter {
    public static final String INPUT_IDS = "input_ids";
    public static final String INPUTS_EMBEDS = "inputs_embeds";
    public static final String LAST_HIDDEN_STATE = "last_hidden_state";
    private static final Set<String> PASS_THROUGH = Set.of("Reshape", "Cast", "Identity", "Squeeze", "Unsqueeze",
            "Flatten");
    private static final String SHAPE_OF_EMBEDS = "dreamid/inputs_embeds_shape";
    private static final String SLICE_START = "dreamid/slice_start";
    private static final String SLICE_END = "dreamid/slice_end";
    private static final String IDS_SHAPE = "dreamid/input_ids_shape";
    private static final String IDS_STAND_IN = "dreamid/input_ids_shape_only";

    /**
     * @param model         the rewritten model, serialised
     * @param tokenTable    the token embedding table, row-major [vocabSize, width]
     * @param vocabSize     rows of the table
     * @param width         hidden width (columns of the table)
     * @param needsFileBase true if the model still has external-data initializers, which ONNX Runtime resolves
     *                      relative to the model file: write it next to the original before loading
     */
    public record Rewritten(byte[] model, float[] tokenTable, int vocabSize, int width, boolean needsFileBase) {
    }

    private TextEncoderRewriter() {
    }

    public static Rewritten rewrite(Path modelFile) {
        ModelProto model;
        // Streamed: Files.readAllBytes would read through a temporary direct buffer as large as the file (500 MB
        // for SD 1.5's text encoder) that the JDK then keeps cached for the reading thread.
        try (InputStream in = new BufferedInputStream(new FileInputStream(modelFile.toFile()), 1 << 16)) {
            model = ModelProto.parseFrom(in);
        } catch (IOException e) {
            throw new BundleException("cannot read the text encoder " + modelFile + ": " + e.getMessage(), e);
        }
        return rewrite(model, modelFile.getParent(), modelFile.toString());
    }

    static Rewritten rewrite(ModelProto model, Path baseDir, String what) {
        GraphProto graph = model.getGraph();
        ValueInfoProto ids = graph.getInputList().stream().filter(i -> i.getName().equals(INPUT_IDS)).findFirst()
                .orElseThrow(() -> new BundleException("the text encoder " + what + " has no input \"input_ids\""
                        + " (inputs: " + graph.getInputList().stream().map(ValueInfoProto::getName).toList()
                        + "); a CLIP text encoder export is expected"));
        Map<String, TensorProto> initializers = new HashMap<>();
        for (TensorProto t : graph.getInitializerList()) {
            initializers.put(t.getName(), t);
        }
        Map<String, NodeProto> producers = new HashMap<>();
        for (NodeProto n : graph.getNodeList()) {
            for (String out : n.getOutputList()) {
                producers.put(out, n);
            }
        }

        NodeProto gather = findTokenGather(graph, initializers, producers)
                .orElseThrow(() -> new BundleException("the text encoder " + what + " has no token-embedding Gather"
                        + " on input_ids (Gather of a 2-D float initializer indexed by input_ids)"));
        TensorProto table = initializers.get(gather.getInput(0));
        int vocab = (int) table.getDims(0);
        int width = (int) table.getDims(1);
        float[] tableData = floats(table, baseDir, what);
        String embedded = gather.getOutput(0);

        List<ValueInfoProto> outputs = graph.getOutputList().stream()
                .filter(o -> o.getName().equals(LAST_HIDDEN_STATE)).toList();
        if (outputs.isEmpty()) {
            throw new BundleException("the text encoder " + what + " has no output \"last_hidden_state\" (outputs: "
                    + graph.getOutputList().stream().map(ValueInfoProto::getName).toList() + ")");
        }
        List<NodeProto> nodes = new ArrayList<>();
        for (NodeProto n : graph.getNodeList()) {
            if (n == gather) {
                continue;
            }
            NodeProto.Builder b = n.toBuilder();
            for (int i = 0; i < b.getInputCount(); i++) {
                if (b.getInput(i).equals(embedded)) {
                    b.setInput(i, INPUTS_EMBEDS);
                }
            }
            nodes.add(b.build());
        }
        nodes = live(nodes, outputs);
        boolean idsShapeUsed = checkIdsOnlyShaped(nodes, what);
        if (idsShapeUsed) {
            nodes = standInForIds(nodes, ids);
        }

        Set<String> used = new HashSet<>();
        nodes.forEach(n -> used.addAll(n.getInputList()));
        GraphProto.Builder g = graph.toBuilder().clearNode().addAllNode(nodes).clearOutput().addAllOutput(outputs)
                .clearInitializer().clearInput().clearValueInfo();
        boolean external = false;
        for (TensorProto t : graph.getInitializerList()) {
            if (used.contains(t.getName())) {
                g.addInitializer(t);
                external |= t.getDataLocation() == TensorProto.DataLocation.EXTERNAL;
            }
        }
        if (idsShapeUsed) {
            g.addInitializer(int64(SLICE_START, 0));
            g.addInitializer(int64(SLICE_END, 2));
        }
        g.addInput(embedsInput(ids, width, table.getDataType()));
        for (ValueInfoProto input : graph.getInputList()) {
            if (!input.getName().equals(INPUT_IDS) && used.contains(input.getName())
                    && !initializers.containsKey(input.getName())) {
                g.addInput(input);
            }
        }
        Set<String> produced = new HashSet<>();
        nodes.forEach(n -> produced.addAll(n.getOutputList()));
        for (ValueInfoProto info : graph.getValueInfoList()) {
            if (produced.contains(info.getName())) {
                g.addValueInfo(info);
            }
        }
        byte[] bytes = model.toBuilder().setGraph(g).build().toByteArray();
        return new Rewritten(bytes, tableData, vocab, width, external);
    }

    /**
     * Checks that what is left of the ids after the token embedding is gone only serves to know their shape: every
     * live use of {@code input_ids}, or of a tensor derived from it through {@link #PASS_THROUGH} operators (their
     * data input), is one of those operators or a {@code Shape}. Anything else (an attention mask compared with the
     * pad id, ids as a Reshape's target shape, ids read inside a subgraph) needs the ids' values, which no longer
     * exist, and is refused naming the node.
     *
     * @return whether the ids are still used at all (only for their shape, then)
     */
    private static boolean checkIdsOnlyShaped(List<NodeProto> nodes, String what) {
        Set<String> derived = new HashSet<>(Set.of(INPUT_IDS));
        boolean used = false;
        for (NodeProto n : nodes) {
            for (int i = 0; i < n.getInputCount(); i++) {
                if (!derived.contains(n.getInput(i))) {
                    continue;
                }
                used = true;
                if (PASS_THROUGH.contains(n.getOpType()) && i == 0) {
                    derived.addAll(n.getOutputList());
                } else if (!n.getOpType().equals("Shape")) {
                    throw unsupportedUse(n, what);
                }
            }
            for (var attribute : n.getAttributeList()) {
                if (attribute.hasG() && attribute.getG().getNodeList().stream()
                        .anyMatch(sub -> sub.getInputList().stream().anyMatch(derived::contains))) {
                    throw unsupportedUse(n, what);
                }
            }
        }
        return used;
    }

    private static BundleException unsupportedUse(NodeProto n, String what) {
        return new BundleException("the text encoder " + what + " uses input_ids in node \"" + n.getName() + "\" ("
                + n.getOpType() + ") besides the token embedding and the shape of the ids; this graph shape is not"
                + " supported (supported: the ids through Reshape, Cast, Identity, Squeeze, Unsqueeze, Flatten into"
                + " the token Gather, a Shape, or the pooled output, which is dropped)");
    }

    /**
     * The ids are still read for their shape only: they become a zero tensor of the ids' type with the first two
     * dimensions of {@code inputs_embeds} ([batch, sequence]), so every Shape reached through Reshape, Cast and the
     * like computes what it did, whatever the export did to the ids on the way.
     */
    private static List<NodeProto> standInForIds(List<NodeProto> nodes, ValueInfoProto ids) {
        List<NodeProto> out = new ArrayList<>();
        out.add(NodeProto.newBuilder().setOpType("Shape").setName(SHAPE_OF_EMBEDS)
                .addInput(INPUTS_EMBEDS).addOutput(SHAPE_OF_EMBEDS).build());
        out.add(NodeProto.newBuilder().setOpType("Slice").setName(IDS_SHAPE)
                .addInput(SHAPE_OF_EMBEDS).addInput(SLICE_START).addInput(SLICE_END).addOutput(IDS_SHAPE).build());
        TensorProto zero = TensorProto.newBuilder().setName("value").setDataType(ids.getType().getTensorType()
                .getElemType()).addDims(1).setRawData(ByteString.copyFrom(
                        new byte[elementBytes(ids.getType().getTensorType().getElemType())])).build();
        out.add(NodeProto.newBuilder().setOpType("ConstantOfShape").setName(IDS_STAND_IN).addInput(IDS_SHAPE)
                .addOutput(IDS_STAND_IN).addAttribute(AttributeProto.newBuilder().setName("value")
                        .setType(AttributeProto.AttributeType.TENSOR).setT(zero)).build());
        for (NodeProto n : nodes) {
            NodeProto.Builder b = n.toBuilder();
            for (int i = 0; i < b.getInputCount(); i++) {
                if (b.getInput(i).equals(INPUT_IDS)) {
                    b.setInput(i, IDS_STAND_IN);
                }
            }
            out.add(b.build());
        }
        return out;
    }

    private static int elementBytes(int dataType) {
        return switch (TensorProto.DataType.forNumber(dataType)) {
            case INT64, UINT64, DOUBLE -> 8;
            case INT32, UINT32, FLOAT -> 4;
            case INT16, UINT16, FLOAT16, BFLOAT16 -> 2;
            case INT8, UINT8, BOOL -> 1;
            default -> throw new BundleException("input_ids of the text encoder has the unsupported element type "
                    + TensorProto.DataType.forNumber(dataType));
        };
    }

    private static Optional<NodeProto> findTokenGather(GraphProto graph, Map<String, TensorProto> inits,
            Map<String, NodeProto> producers) {
        for (NodeProto n : graph.getNodeList()) {
            if (!n.getOpType().equals("Gather") || n.getInputCount() < 2) {
                continue;
            }
            TensorProto table = inits.get(n.getInput(0));
            if (table == null || table.getDimsCount() != 2 || (table.getDataType() != TensorProto.DataType.FLOAT_VALUE
                    && table.getDataType() != TensorProto.DataType.FLOAT16_VALUE)) {
                continue;
            }
            String indices = n.getInput(1);
            while (!indices.equals(INPUT_IDS) && producers.containsKey(indices)
                    && PASS_THROUGH.contains(producers.get(indices).getOpType())) {
                indices = producers.get(indices).getInput(0);
            }
            if (indices.equals(INPUT_IDS)) {
                return Optional.of(n);
            }
        }
        return Optional.empty();
    }

    /** The nodes the outputs depend on, in their original (topological) order. */
    private static List<NodeProto> live(List<NodeProto> nodes, List<ValueInfoProto> outputs) {
        Map<String, NodeProto> producers = new HashMap<>();
        for (NodeProto n : nodes) {
            for (String out : n.getOutputList()) {
                producers.put(out, n);
            }
        }
        Set<NodeProto> keep = new HashSet<>();
        Deque<String> needed = new ArrayDeque<>();
        outputs.forEach(o -> needed.add(o.getName()));
        while (!needed.isEmpty()) {
            NodeProto n = producers.get(needed.pop());
            if (n != null && keep.add(n)) {
                needed.addAll(n.getInputList());
                // Subgraphs (If/Loop bodies) may read outer names; keep what they read alive too.
                n.getAttributeList().forEach(a -> {
                    if (a.hasG()) {
                        a.getG().getNodeList().forEach(sub -> needed.addAll(sub.getInputList()));
                    }
                });
            }
        }
        return nodes.stream().filter(keep::contains).toList();
    }

    /** inputs_embeds [batch, sequence, width], of the table's type (float32, or float16 in an fp16 export). */
    private static ValueInfoProto embedsInput(ValueInfoProto ids, int width, int elemType) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        List<TensorShapeProto.Dimension> dims = ids.getType().getTensorType().getShape().getDimList();
        if (dims.size() != 2) {
            throw new BundleException("input_ids of the text encoder has rank " + dims.size() + ", expected [batch, "
                    + "sequence]");
        }
        shape.addAllDim(dims).addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(width));
        return ValueInfoProto.newBuilder().setName(INPUTS_EMBEDS)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                        .setElemType(elemType).setShape(shape)))
                .build();
    }

    private static TensorProto int64(String name, long value) {
        return TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE).addDims(1)
                .addInt64Data(value).build();
    }

    static float[] floats(TensorProto t, Path baseDir, String what) {
        long count = 1;
        for (long d : t.getDimsList()) {
            count *= d;
        }
        if (count > Integer.MAX_VALUE) {
            throw new BundleException("token embedding table of " + what + " is too large: " + count + " values");
        }
        float[] out = new float[(int) count];
        boolean half = t.getDataType() == TensorProto.DataType.FLOAT16_VALUE;
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            readExternal(t, baseDir, out, half, what);
        } else if (!t.getRawData().isEmpty()) {
            widen(t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN), out, half);
        } else if (half) {
            // Without raw data, ONNX keeps float16 values as their 16 bits in int32_data.
            for (int i = 0; i < out.length; i++) {
                out[i] = Fp16Conversions.fp16ToFloat((short) t.getInt32Data(i));
            }
        } else {
            for (int i = 0; i < out.length; i++) {
                out[i] = t.getFloatData(i);
            }
        }
        return out;
    }

    /** Little-endian float32 or float16 values into {@code out} as float32. */
    private static void widen(ByteBuffer bytes, float[] out, boolean half) {
        if (half) {
            for (int i = 0; i < out.length; i++) {
                out[i] = Fp16Conversions.fp16ToFloat(bytes.getShort());
            }
        } else {
            bytes.asFloatBuffer().get(out);
        }
    }

    private static void readExternal(TensorProto t, Path baseDir, float[] out, boolean half, String what) {
        String location = null;
        long offset = 0;
        for (StringStringEntryProto e : t.getExternalDataList()) {
            switch (e.getKey()) {
                case "location" -> location = e.getValue();
                case "offset" -> offset = Long.parseLong(e.getValue());
                default -> {
                }
            }
        }
        if (location == null) {
            throw new BundleException("initializer " + t.getName() + " of " + what + " is external without a location");
        }
        Path file = baseDir.resolve(location).normalize();
        if (!file.startsWith(baseDir.normalize())) {
            throw new BundleException("initializer " + t.getName() + " of " + what + " points outside its folder: "
                    + location);
        }
        ByteBuffer bytes = ByteBuffer.allocate(out.length * (half ? 2 : Float.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long at = offset;
            for (int n = 0; n >= 0 && bytes.hasRemaining(); at += n) {
                n = raf.getChannel().read(bytes, at);
            }
        } catch (IOException e) {
            throw new BundleException("cannot read external data " + file + " of " + what + ": " + e.getMessage(), e);
        }
        if (bytes.hasRemaining()) {
            throw new BundleException("external data " + file + " of " + what + " ends before " + t.getName());
        }
        bytes.flip();
        widen(bytes, out, half);
    }
}
