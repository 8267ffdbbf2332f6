package io.dreamid.diffusion.pipeline;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.dreamid.diffusion.TinyBundles;
import io.dreamid.diffusion.bundle.SdBundle;
import io.dreamid.diffusion.onnx.RuntimeOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A UNet exported with a fixed batch of 2 (no dynamic batch axis) cannot take several images in one run: the
 * pipeline runs each image alone and the images are the ones the dynamic export makes.
 */
class FixedBatchExportTest {

    @Test
    void aFixedBatchExportRunsEachImageAlone(@TempDir Path dir) throws IOException {
        Path dynamic = TinyBundles.sd1();
        Path fixed = dir.resolve("tiny-sd1-fixed-batch");
        TinyBundles.copy(dynamic, fixed);
        fixBatch(fixed.resolve("unet/model.onnx"), 2);
        GenerationParams p = new GenerationParams(4, 7.5, 9, 64, 64, "euler");

        List<ImageRun> expected;
        try (StableDiffusionPipeline pipeline = StableDiffusionPipeline.load(SdBundle.open(dynamic),
                RuntimeOptions.CPU_DEFAULTS)) {
            assertThat(pipeline.unetFixedBatch()).isEqualTo(-1);
            expected = denoised(pipeline, p);
            assertThat(expected).allSatisfy(run -> assertThat(run.batchImages()).isEqualTo(3));
        }
        try (StableDiffusionPipeline pipeline = StableDiffusionPipeline.load(SdBundle.open(fixed),
                RuntimeOptions.CPU_DEFAULTS)) {
            assertThat(pipeline.unetFixedBatch()).isEqualTo(2);
            List<ImageRun> runs = denoised(pipeline, p);
            for (int i = 0; i < runs.size(); i++) {
                assertThat(runs.get(i).batchImages()).isEqualTo(1);
                assertThat(runs.get(i).latents).isEqualTo(expected.get(i).latents);
            }
        }
    }

    private static List<ImageRun> denoised(StableDiffusionPipeline pipeline, GenerationParams p) {
        TextConditioning text = pipeline.encodePrompt("a red bicycle", "", null, true, new Timings());
        List<ImageRun> runs = Stream.of(0, 1, 2)
                .map(i -> pipeline.prepare(text, p, i, GenerationControl.NONE, new Timings())).toList();
        pipeline.denoise(runs);
        return runs;
    }

    /** Sets the first dimension of the batch-carrying inputs and the output to {@code batch}, as a static export has. */
    private static void fixBatch(Path model, int batch) throws IOException {
        ModelProto.Builder m = ModelProto.parseFrom(Files.readAllBytes(model)).toBuilder();
        Set<String> batched = Set.of("sample", "encoder_hidden_states");
        for (ValueInfoProto.Builder v : m.getGraphBuilder().getInputBuilderList()) {
            if (batched.contains(v.getName())) {
                v.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().setDim(0,
                        TensorShapeProto.Dimension.newBuilder().setDimValue(batch));
            }
        }
        for (ValueInfoProto.Builder v : m.getGraphBuilder().getOutputBuilderList()) {
            v.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().setDim(0,
                    TensorShapeProto.Dimension.newBuilder().setDimValue(batch));
        }
        // The manifest's digest of the edited graph no longer holds: the test bundle goes without one.
        Files.deleteIfExists(model.getParent().getParent().resolve("manifest.json"));
        Files.write(model, m.build().toByteArray());
    }
}
