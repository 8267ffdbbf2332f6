package io.dreamid.diffusion.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.dreamid.diffusion.TinyBundles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A text encoder whose weights live in external data (large exports) is rewritten too: the token table is read from
 * the data file and the caller is told to load the rewritten graph from beside the original.
 */
class ExternalDataTextEncoderTest {

    @Test
    void tokenTableIsReadFromExternalData(@TempDir Path dir) throws Exception {
        Path original = TinyBundles.sd1().resolve("text_encoder/model.onnx");
        TextEncoderRewriter.Rewritten inline = TextEncoderRewriter.rewrite(original);

        ModelProto model = ModelProto.parseFrom(Files.readAllBytes(original));
        ModelProto.Builder external = model.toBuilder();
        byte[] data;
        try (var out = new java.io.ByteArrayOutputStream()) {
            var graph = external.getGraphBuilder();
            for (int i = 0; i < graph.getInitializerCount(); i++) {
                TensorProto t = graph.getInitializer(i);
                if (t.getRawData().isEmpty()) {
                    continue;
                }
                long offset = out.size();
                t.getRawData().writeTo(out);
                graph.setInitializer(i, t.toBuilder().clearRawData()
                        .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                        .addExternalData(entry("location", "weights.pb"))
                        .addExternalData(entry("offset", Long.toString(offset)))
                        .addExternalData(entry("length", Long.toString(t.getRawData().size()))));
            }
            data = out.toByteArray();
        }
        Files.write(dir.resolve("weights.pb"), data);
        Files.write(dir.resolve("model.onnx"), external.build().toByteArray());

        TextEncoderRewriter.Rewritten rewritten = TextEncoderRewriter.rewrite(dir.resolve("model.onnx"));

        assertThat(rewritten.needsFileBase()).isTrue();
        assertThat(rewritten.tokenTable()).containsExactly(inline.tokenTable());
        Path beside = dir.resolve("model.inputs_embeds.onnx");
        Files.write(beside, rewritten.model());
        try (var session = OrtRuntime.open(beside, RuntimeOptions.CPU_DEFAULTS)) {
            assertThat(session.getInputNames()).containsExactly("inputs_embeds");
        }
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }
}
