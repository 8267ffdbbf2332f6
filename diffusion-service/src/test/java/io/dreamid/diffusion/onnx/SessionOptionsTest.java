package io.dreamid.diffusion.onnx;

import ai.onnxruntime.OrtSession.SessionOptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pool threads of the sessions sleep between operators unless spin-waiting is asked for: spinning threads of
 * the three sessions took half of a two-core machine while the local platform ran jobs (diffusion README).
 */
class SessionOptionsTest {

    @Test
    void poolThreadsDoNotSpinByDefault() throws Exception {
        try (SessionOptions so = OrtRuntime.sessionOptions(RuntimeOptions.CPU_DEFAULTS)) {
            assertThat(so.getConfigEntries())
                    .containsEntry("session.intra_op.allow_spinning", "0")
                    .containsEntry("session.inter_op.allow_spinning", "0");
        }
    }

    @Test
    void spinWaitTurnsSpinningBackOn() throws Exception {
        RuntimeOptions spinning = new RuntimeOptions("cpu", 0, 2, 0, "all", true, false, true);
        try (SessionOptions so = OrtRuntime.sessionOptions(spinning)) {
            assertThat(so.getConfigEntries())
                    .containsEntry("session.intra_op.allow_spinning", "1")
                    .containsEntry("session.inter_op.allow_spinning", "1");
        }
    }
}
