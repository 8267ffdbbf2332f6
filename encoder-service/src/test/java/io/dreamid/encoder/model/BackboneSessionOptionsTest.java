package io.dreamid.encoder.model;

import ai.onnxruntime.OrtSession.SessionOptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The backbone's pool threads sleep between operators: spinning ones keep a shared core busy after every run. */
class BackboneSessionOptionsTest {

    @Test
    void poolThreadsDoNotSpin() throws Exception {
        try (SessionOptions so = Backbone.sessionOptions()) {
            assertThat(so.getConfigEntries())
                    .containsEntry("session.intra_op.allow_spinning", "0")
                    .containsEntry("session.inter_op.allow_spinning", "0");
        }
    }
}
