package io.dreamid.diffusion.bundle;

import io.dreamid.common.models.BundleChecker;
import io.dreamid.diffusion.onnx.RuntimeOptions;
import io.dreamid.diffusion.pipeline.GenerationControl;
import io.dreamid.diffusion.pipeline.GenerationParams;
import io.dreamid.diffusion.pipeline.StableDiffusionPipeline;
import io.dreamid.diffusion.pipeline.TextConditioning;
import io.dreamid.diffusion.pipeline.Timings;

import java.nio.file.Path;
import java.util.Map;

/**
 * What {@code models import --diffusion} checks before it switches anything: the bundle opens and loads as the
 * service loads it at start (layout, tokenizer, scheduler config, text encoder rewrite, the three sessions), and
 * one 64x64 image of one step comes out of it, so a graph that loads but cannot run is refused too.
 */
public final class SdBundleChecker implements BundleChecker {
    private static final GenerationParams SMOKE = new GenerationParams(1, 1.0, 0, 64, 64, null);

    @Override
    public String kind() {
        return "diffusion";
    }

    @Override
    public String service() {
        return "diffusion-service";
    }

    @Override
    public String defaultName() {
        return "sd";
    }

    @Override
    public String check(Path dir) {
        SdBundle bundle = SdBundle.open(dir);
        try (StableDiffusionPipeline pipeline = StableDiffusionPipeline.load(bundle, RuntimeOptions.CPU_DEFAULTS)) {
            TextConditioning text = pipeline.encodePrompt("a photo", "", null, false, new Timings());
            pipeline.generate(text, SMOKE, 0, GenerationControl.NONE, new Timings());
            return "Stable Diffusion, text width " + pipeline.textWidth() + ", " + pipeline.precision() + ", scheduler "
                    + bundle.modelIndex().path("scheduler").path(1).asText("?") + ", one 64x64 image made";
        }
    }

    @Override
    public Map<String, String> settings(String name, String version) {
        return Map.of("DREAMID_DIFFUSION_BUNDLE_NAME", name, "DREAMID_DIFFUSION_BUNDLE_VERSION", version);
    }
}
