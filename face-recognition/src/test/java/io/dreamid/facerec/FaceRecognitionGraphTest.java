package io.dreamid.facerec;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The jar carries the published weights, and both graphs have the documented inputs and outputs: the descriptor
 * network with its pooled stages, and the encoder backbone with one 256-wide token per stage. (The numbers are
 * checked against face-api.js in the face-service and the encoder-service, which run the graphs.)
 */
class FaceRecognitionGraphTest {
    private static final TfjsWeights WEIGHTS = DlibWeights.fromClasspath();

    @Test
    void theJarHoldsThePublishedWeights() {
        assertThat(WEIGHTS.tensors()).hasSize(117);
        assertThat(WEIGHTS.get("fc").shape()).containsExactly(256, 128);
    }

    @Test
    void theDescriptorGraphTakesTfjsPixelsAndOutputsTheDescriptorAndEachStage() throws Exception {
        ModelProto model = ModelProto.parseFrom(FaceRecognitionGraph.build(WEIGHTS));

        assertThat(shapes(model.getGraph().getInputList())).containsExactly(Map.entry("image", "N,150,150,3"));
        assertThat(shapes(model.getGraph().getOutputList())).containsExactly(
                Map.entry("pool_35", "N,32"), Map.entry("pool_17", "N,64"), Map.entry("pool_8", "N,128"),
                Map.entry("pool_4", "N,256"), Map.entry("pool_2", "N,256"), Map.entry("descriptor", "N,128"));
    }

    @Test
    void theBackboneGraphFollowsTheEncoderBundleContract() throws Exception {
        ModelProto model = ModelProto.parseFrom(FaceRecognitionGraph.buildBackbone(WEIGHTS));

        assertThat(shapes(model.getGraph().getInputList()))
                .containsExactly(Map.entry("pixel_values", "N,3,150,150"));
        assertThat(shapes(model.getGraph().getOutputList())).containsExactly(
                Map.entry("hidden_1", "N,1,256"), Map.entry("hidden_2", "N,1,256"), Map.entry("hidden_3", "N,1,256"),
                Map.entry("hidden_4", "N,1,256"), Map.entry("hidden_5", "N,1,256"));
    }

    private static List<Map.Entry<String, String>> shapes(List<ValueInfoProto> values) {
        return values.stream().map(v -> Map.entry(v.getName(), v.getType().getTensorType().getShape().getDimList()
                .stream().map(FaceRecognitionGraphTest::dim).collect(Collectors.joining(",")))).toList();
    }

    private static String dim(TensorShapeProto.Dimension d) {
        return d.hasDimParam() ? d.getDimParam() : Long.toString(d.getDimValue());
    }
}
