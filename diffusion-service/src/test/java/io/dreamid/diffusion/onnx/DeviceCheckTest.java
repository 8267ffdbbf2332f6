package io.dreamid.diffusion.onnx;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Asking for CUDA on a build or machine without it stops the service with what to do, not with a native error. */
class DeviceCheckTest {

    @Test
    void cudaWithoutTheCudaProviderIsAClearStartUpError() {
        RuntimeOptions cuda = new RuntimeOptions("cuda", 0, 0, 0, "all", true, false, false);
        if (OrtRuntime.providers().contains(ai.onnxruntime.OrtProvider.CUDA)) {
            // A GPU build: the check then depends on the machine's driver and libraries, not on this test.
            return;
        }
        assertThatThrownBy(() -> OrtRuntime.checkDevice(cuda))
                .isInstanceOf(DeviceUnavailableException.class)
                .hasMessageContaining("dreamid.diffusion.device=cuda")
                .hasMessageContaining("-Pgpu")
                .hasMessageContaining("dreamid.diffusion.device=cpu");
    }

    @Test
    void cpuNeedsNoCheckAndBadOptionsAreNamed() {
        assertThatCode(() -> OrtRuntime.checkDevice(RuntimeOptions.CPU_DEFAULTS)).doesNotThrowAnyException();
        assertThat(OrtRuntime.providers()).contains(ai.onnxruntime.OrtProvider.CPU);
        assertThatThrownBy(() -> new RuntimeOptions("tpu", 0, 0, 0, "all", true, false, false))
                .hasMessageContaining("cpu or cuda");
        assertThatThrownBy(() -> new RuntimeOptions("cpu", 0, 0, 0, "max", true, false, false))
                .hasMessageContaining("none, basic, extended or all");
    }
}
