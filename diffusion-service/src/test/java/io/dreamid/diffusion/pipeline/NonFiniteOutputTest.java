package io.dreamid.diffusion.pipeline;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import io.dreamid.common.messages.ErrorCodes;
import io.dreamid.diffusion.TinyBundles;
import io.dreamid.diffusion.bundle.SdBundle;
import io.dreamid.diffusion.onnx.RuntimeOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A model that overflows (NaN or infinity, as SD's VAE and sometimes its UNet do in float16) fails the image with
 * MODEL_ERROR and the reason, instead of decoding to a black image that looks like a result.
 */
class NonFiniteOutputTest {
    private static final GenerationParams PARAMS = new GenerationParams(3, 7.5, 5, 64, 64, "euler");

    @Test
    void aVaeDecoderThatOverflowsFailsTheImageNamingFloat16(@TempDir Path dir) throws IOException {
        Path bundle = dir.resolve("fp16");
        TinyBundles.copy(TinyBundles.sd1Fp16(), bundle);
        poisonOutput(bundle.resolve("vae_decoder/model.onnx"));

        assertThatThrownBy(() -> generate(bundle)).isInstanceOfSatisfying(GenerationException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCodes.MODEL_ERROR))
                .hasMessageContaining("the VAE decoder returned values that are not finite")
                .hasMessageContaining("export the VAE decoder in float32");
    }

    @Test
    void aUnetThatOverflowsFailsTheImage(@TempDir Path dir) throws IOException {
        Path bundle = dir.resolve("fp32");
        TinyBundles.copy(TinyBundles.sd1(), bundle);
        poisonOutput(bundle.resolve("unet/model.onnx"));

        assertThatThrownBy(() -> generate(bundle)).isInstanceOfSatisfying(GenerationException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCodes.MODEL_ERROR))
                .hasMessageContaining("the denoised latents of image 0 are not finite (NaN or infinity)");
    }

    private static void generate(Path bundle) {
        try (StableDiffusionPipeline pipeline = StableDiffusionPipeline.load(SdBundle.open(bundle),
                RuntimeOptions.CPU_DEFAULTS)) {
            TextConditioning text = pipeline.encodePrompt("a cat", "", null, true, new Timings());
            pipeline.generate(text, PARAMS, 0, GenerationControl.NONE, new Timings());
        }
    }

    /** Multiplies the model's first output by NaN (of the output's element type): every value it returns is NaN. */
    private static void poisonOutput(Path model) throws IOException {
        ModelProto.Builder m = ModelProto.parseFrom(Files.readAllBytes(model)).toBuilder();
        GraphProto.Builder g = m.getGraphBuilder();
        String out = g.getOutput(0).getName();
        int type = g.getOutput(0).getType().getTensorType().getElemType();
        for (NodeProto.Builder node : g.getNodeBuilderList()) {
            for (int i = 0; i < node.getOutputCount(); i++) {
                if (node.getOutput(i).equals(out)) {
                    node.setOutput(i, out + "/before_nan");
                }
            }
        }
        ByteBuffer nan = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        if (type == TensorProto.DataType.FLOAT16_VALUE) {
            nan.putShort((short) 0x7e00).limit(2);
        } else {
            nan.putFloat(Float.NaN);
        }
        nan.flip();
        g.addInitializer(TensorProto.newBuilder().setName("test/nan").setDataType(type)
                .setRawData(ByteString.copyFrom(nan)));
        g.addNode(NodeProto.newBuilder().setOpType("Mul").addInput(out + "/before_nan").addInput("test/nan")
                .addOutput(out));
        // The edited graph's digest no longer matches the manifest: this test bundle goes without one.
        Files.deleteIfExists(model.getParent().getParent().resolve("manifest.json"));
        Files.write(model, m.build().toByteArray());
    }
}
