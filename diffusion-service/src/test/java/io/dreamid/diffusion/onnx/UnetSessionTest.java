package io.dreamid.diffusion.onnx;

import io.dreamid.common.tensors.SafetensorsFile;
import io.dreamid.diffusion.TinyBundles;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;

import static io.dreamid.diffusion.TinyBundles.maxAbsDiff;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The UNet loads with its weights in external data and takes the timestep in the dtype and shape its export
 * declares (float32 [batch] for the SD1-like bundle, int64 [1] for the SD2-like one), matching torch.
 */
class UnetSessionTest {

    @Test
    void sd1FloatTimestepPerBatchMatchesTorch() throws Exception {
        check(TinyBundles.sd1(), "sd1", "FLOAT[-1]");
    }

    @Test
    void sd2Int64SingleTimestepMatchesTorch() throws Exception {
        check(TinyBundles.sd2(), "sd2", "INT64[1]");
    }

    private static void check(Path bundle, String variant, String timestep) throws Exception {
        assertThat(bundle.resolve("unet/model.onnx_data")).exists();
        SafetensorsFile g = TinyBundles.goldens(variant);
        float[] sample = g.floats("unet_sample");
        float[] context = g.floats("unet_encoder_hidden_states");
        int t = Integer.parseInt(g.metadata().get("unet_timestep"));
        float[] out = new float[sample.length];
        try (UnetSession unet = new UnetSession(bundle.resolve("unet/model.onnx"), RuntimeOptions.CPU_DEFAULTS)) {
            assertThat(unet.timestepDescription()).isEqualTo(timestep);
            assertThat(unet.contextWidth()).isEqualTo(32);
            // The golden batch holds two different samples; the runner repeats one, so compare each half.
            int half = sample.length / 2;
            for (int b = 0; b < 2; b++) {
                float[] one = Arrays.copyOfRange(sample, b * half, (b + 1) * half);
                try (UnetSession.Call call = unet.begin(2, 8, 8, context, 77)) {
                    // Twice: the second run must see the same bound buffers and give the same answer.
                    call.run(one, 2, t, out);
                    call.run(one, 2, t, out);
                }
                float[] expected = Arrays.copyOfRange(g.floats("unet_out"), b * half, (b + 1) * half);
                assertThat(maxAbsDiff(Arrays.copyOfRange(out, b * half, (b + 1) * half), expected)).isLessThan(1e-4);
            }
        }
    }
}
