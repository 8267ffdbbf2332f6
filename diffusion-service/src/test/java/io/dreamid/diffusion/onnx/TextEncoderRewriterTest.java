package io.dreamid.diffusion.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import io.dreamid.common.json.Json;
import io.dreamid.common.tensors.SafetensorsFile;
import io.dreamid.diffusion.TinyBundles;
import io.dreamid.diffusion.bundle.BundleException;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Map;

import static io.dreamid.diffusion.TinyBundles.maxAbsDiff;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The rewritten text encoder takes inputs_embeds and computes what the exported (torch) model computes. */
class TextEncoderRewriterTest {
    private static final int SEQ = 77;

    @Test
    void rewrittenEncoderOnLookedUpEmbeddingsEqualsTheOriginalOnIdsAndTorch() throws Exception {
        Path model = TinyBundles.sd1().resolve("text_encoder/model.onnx");
        TextEncoderRewriter.Rewritten r = TextEncoderRewriter.rewrite(model);
        SafetensorsFile golden = TinyBundles.goldens("sd1");
        float[] idsAsFloats = golden.floats("plain_ids");
        long[] ids = new long[SEQ];
        for (int i = 0; i < SEQ; i++) {
            ids[i] = (long) idsAsFloats[i];
        }

        assertThat(r.vocabSize()).isEqualTo(914);
        assertThat(r.width()).isEqualTo(32);
        float[] viaIds;
        try (OrtSession original = OrtRuntime.open(model, RuntimeOptions.CPU_DEFAULTS);
                OnnxTensor in = OnnxTensor.createTensor(OrtRuntime.environment(), LongBuffer.wrap(ids),
                        new long[] {1, SEQ});
                OrtSession.Result out = original.run(Map.of("input_ids", in))) {
            viaIds = floats(out);
        }
        float[] viaEmbeds = runRewritten(r, lookup(r, ids, null, 0));

        assertThat(maxAbsDiff(viaEmbeds, viaIds)).isLessThan(1e-5);
        assertThat(maxAbsDiff(viaEmbeds, golden.floats("plain_hidden"))).isLessThan(1e-4);
    }

    @Test
    void identityEmbeddingsAtThePlaceholderPositionsGiveTorchsHiddenStates() throws Exception {
        TextEncoderRewriter.Rewritten r = TextEncoderRewriter.rewrite(TinyBundles.sd1().resolve("text_encoder/model.onnx"));
        SafetensorsFile golden = TinyBundles.goldens("sd1");
        long[] ids = Json.mapper().readValue(golden.metadata().get("ids"), long[].class);
        int start = Integer.parseInt(golden.metadata().get("placeholder_start"));

        float[] hidden = runRewritten(r, lookup(r, ids, golden.floats("s_star"), start));

        assertThat(maxAbsDiff(hidden, golden.floats("injected_hidden"))).isLessThan(1e-4);
    }

    @Test
    void theGraphHasInputsEmbedsAndOnlyLastHiddenState() throws Exception {
        TextEncoderRewriter.Rewritten r = TextEncoderRewriter.rewrite(TinyBundles.sd2().resolve("text_encoder/model.onnx"));
        try (OrtSession s = OrtRuntime.open(r.model(), RuntimeOptions.CPU_DEFAULTS)) {
            assertThat(s.getInputNames()).containsExactly("inputs_embeds");
            assertThat(s.getOutputNames()).containsExactly("last_hidden_state");
        }
        assertThat(r.needsFileBase()).isFalse();
    }

    @Test
    void aModelWithoutInputIdsIsRefusedWithItsInputs() {
        assertThatThrownBy(() -> TextEncoderRewriter.rewrite(TinyBundles.sd1().resolve("vae_decoder/model.onnx")))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("no input \"input_ids\"")
                .hasMessageContaining("latent_sample");
    }

    private static float[] lookup(TextEncoderRewriter.Rewritten r, long[] ids, float[] identity, int start) {
        int w = r.width();
        float[] embeds = new float[SEQ * w];
        for (int i = 0; i < SEQ; i++) {
            System.arraycopy(r.tokenTable(), (int) ids[i] * w, embeds, i * w, w);
        }
        if (identity != null) {
            System.arraycopy(identity, 0, embeds, start * w, identity.length);
        }
        return embeds;
    }

    private static float[] runRewritten(TextEncoderRewriter.Rewritten r, float[] embeds) throws Exception {
        try (OrtSession s = OrtRuntime.open(r.model(), RuntimeOptions.CPU_DEFAULTS);
                OnnxTensor in = OnnxTensor.createTensor(OrtRuntime.environment(), FloatBuffer.wrap(embeds),
                        new long[] {1, SEQ, r.width()});
                OrtSession.Result out = s.run(Map.of("inputs_embeds", in))) {
            return floats(out);
        }
    }

    private static float[] floats(OrtSession.Result out) {
        FloatBuffer b = ((OnnxTensor) out.get(0)).getFloatBuffer();
        float[] a = new float[b.remaining()];
        b.get(a);
        return a;
    }
}
