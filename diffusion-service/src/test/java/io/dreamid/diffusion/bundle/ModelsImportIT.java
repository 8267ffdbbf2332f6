package io.dreamid.diffusion.bundle;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.dreamid.common.models.BundleFetcher;
import io.dreamid.common.models.BundleManifest;
import io.dreamid.common.models.ModelsImport;
import io.dreamid.common.storage.ObjectStore;
import io.dreamid.diffusion.TinyBundles;
import io.dreamid.diffusion.onnx.RuntimeOptions;
import io.dreamid.diffusion.pipeline.StableDiffusionPipeline;
import io.dreamid.testsupport.EmbeddedS3;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code models import --diffusion} as a user runs it on their own export (no manifest.json), against the real S3
 * server: the service's own loading code checks the bundle first; a bundle it loads is uploaded with a SHA-256
 * manifest and the service settings are recorded; one it cannot load is refused with the reason, nothing is
 * uploaded and the settings keep the bundle the platform had.
 */
class ModelsImportIT {
    private static final String PREVIOUS = "# the platform's earlier choice\nDREAMID_DIFFUSION_BUNDLE_NAME=earlier\n"
            + "DREAMID_DIFFUSION_BUNDLE_VERSION=1\nDREAMID_ENCODER_BUNDLE_REF=models/encoder/7/\n";
    private static Map<String, String> env;
    private static ObjectStore store;

    @BeforeAll
    static void storage() {
        String endpoint = EmbeddedS3.start();
        store = EmbeddedS3.store();
        env = Map.of("DREAMID_STORAGE_ENDPOINT", endpoint, "DREAMID_STORAGE_ACCESS_KEY", EmbeddedS3.ACCESS_KEY,
                "DREAMID_STORAGE_SECRET_KEY", EmbeddedS3.SECRET_KEY, "DREAMID_STORAGE_BUCKET", EmbeddedS3.BUCKET,
                "DREAMID_STORAGE_REGION", EmbeddedS3.REGION);
    }

    @Test
    void anExportWithoutManifestIsCheckedUploadedAndRecorded(@TempDir Path tmp) throws Exception {
        Path export = usersExport(tmp.resolve("export"));
        Path servicesEnv = tmp.resolve("services.env");
        Files.writeString(servicesEnv, PREVIOUS);

        Run run = modelsImport("--diffusion", export.toString(), "--name", "sd-user", "--version", "2",
                "--services-env", servicesEnv.toString());

        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(run.output()).contains("diffusion-service loads it", "float32", "models/sd-user/2/");
        assertThat(export.resolve("manifest.json")).as("the user's folder is left as it was").doesNotExist();
        BundleManifest uploaded = BundleManifest.parse(store.get("models/sd-user/2/manifest.json"));
        assertThat(uploaded.files()).containsOnlyKeys(files(export));
        assertThat(Files.readAllLines(servicesEnv)).containsExactly("# the platform's earlier choice",
                "DREAMID_ENCODER_BUNDLE_REF=models/encoder/7/", "DREAMID_DIFFUSION_BUNDLE_NAME=sd-user",
                "DREAMID_DIFFUSION_BUNDLE_VERSION=2");
        // What the service does at start with those settings.
        Path fetched = BundleFetcher.fromStorage(store, "sd-user", "2", tmp.resolve("cache"));
        try (StableDiffusionPipeline pipeline = StableDiffusionPipeline.load(SdBundle.open(fetched),
                RuntimeOptions.CPU_DEFAULTS)) {
            assertThat(pipeline.textWidth()).isEqualTo(32);
        }
    }

    @Test
    void anFp16ExportIsImportedAndTheReportSaysSo(@TempDir Path tmp) throws Exception {
        Path export = usersExport(tmp.resolve("export"), TinyBundles.sd1Fp16());

        Run run = modelsImport("--diffusion", export.toString(), "--name", "sd-half", "--version", "1",
                "--services-env", tmp.resolve("services.env").toString());

        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(run.output()).contains("diffusion-service loads it", "float16", "models/sd-half/1/");
        assertThat(BundleManifest.parse(store.get("models/sd-half/1/manifest.json")).files())
                .containsOnlyKeys(files(export));
    }

    @Test
    void aBundleTheServiceCannotLoadIsRefusedAndNothingChanges(@TempDir Path tmp) throws Exception {
        Path export = usersExport(tmp.resolve("export"));
        maskTheTextWithTheIds(export.resolve("text_encoder/model.onnx"));
        Path servicesEnv = tmp.resolve("services.env");
        Files.writeString(servicesEnv, PREVIOUS);

        Run run = modelsImport("--diffusion", export.toString(), "--name", "sd-broken", "--version", "1",
                "--services-env", servicesEnv.toString());

        assertThat(run.exit()).isEqualTo(4);
        assertThat(run.output()).contains("refused, diffusion-service cannot load",
                "uses input_ids in node \"/user/mask/Equal\" (Equal)", "the platform keeps the bundle it had");
        assertThat(store.list("models/sd-broken/")).isEmpty();
        assertThat(servicesEnv).content().isEqualTo(PREVIOUS);
    }

    @Test
    void aFolderThatIsNoBundleIsRefusedNamingWhatIsMissing(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("notes.txt"), "not a model");

        Run run = modelsImport("--diffusion", tmp.toString(), "--name", "sd-empty", "--version", "1");

        assertThat(run.exit()).isEqualTo(4);
        assertThat(run.output()).contains("missing: model_index.json, text_encoder/model.onnx");
        assertThat(store.list("models/sd-empty/")).isEmpty();
    }

    @Test
    void anEncoderBundleNeedsTheEncoderServicesClasspath(@TempDir Path tmp) {
        Run run = modelsImport("--encoder", tmp.toString());

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.output()).contains("no check for --encoder bundles on this classpath");
    }

    // ---------------------------------------------------------------------------------------------------------

    record Run(int exit, String output) {
    }

    private static Run modelsImport(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        int exit = ModelsImport.run(args, env::get, print, print);
        return new Run(exit, bytes.toString(StandardCharsets.UTF_8));
    }

    /** The built-in bundle's exported files, without what the project added: a user's export as diffusers writes it. */
    private static Path usersExport(Path target) throws IOException {
        return usersExport(target, TinyBundles.realArchitecture());
    }

    private static Path usersExport(Path target, Path builtIn) throws IOException {
        try (Stream<Path> paths = Files.walk(builtIn)) {
            for (Path p : paths.filter(Files::isRegularFile).toList()) {
                String name = p.getFileName().toString();
                if (name.equals(BundleManifest.FILE_NAME) || name.equals(SdBundle.RANDOM_WEIGHTS_FILE)) {
                    continue;
                }
                Path copy = target.resolve(builtIn.relativize(p).toString());
                Files.createDirectories(copy.getParent());
                Files.copy(p, copy);
            }
        }
        return target;
    }

    private static List<String> files(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            return paths.filter(Files::isRegularFile).map(p -> root.relativize(p).toString())
                    .sorted(Comparator.naturalOrder()).toList();
        }
    }

    /** An export whose text states depend on which tokens are padding: it needs the ids' values. */
    private static void maskTheTextWithTheIds(Path model) throws IOException {
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(model));
        GraphProto.Builder g = m.getGraph().toBuilder();
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            if (n.getOutputList().contains("last_hidden_state")) {
                g.setNode(i, n.toBuilder().setOutput(n.getOutputList().indexOf("last_hidden_state"), "unmasked"));
            }
        }
        g.addInitializer(TensorProto.newBuilder().setName("pad_id").setDataType(TensorProto.DataType.INT32_VALUE)
                .addInt32Data(49407));
        g.addInitializer(TensorProto.newBuilder().setName("last_axis").setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(1).addInt64Data(-1));
        g.addNode(NodeProto.newBuilder().setOpType("Equal").setName("/user/mask/Equal").addInput("input_ids")
                .addInput("pad_id").addOutput("is_pad"));
        g.addNode(NodeProto.newBuilder().setOpType("Cast").setName("/user/mask/Cast").addInput("is_pad")
                .addOutput("pad_float").addAttribute(AttributeProto.newBuilder().setName("to")
                        .setType(AttributeProto.AttributeType.INT).setI(TensorProto.DataType.FLOAT_VALUE)));
        g.addNode(NodeProto.newBuilder().setOpType("Unsqueeze").setName("/user/mask/Unsqueeze").addInput("pad_float")
                .addInput("last_axis").addOutput("pad_3d"));
        g.addNode(NodeProto.newBuilder().setOpType("Add").setName("/user/mask/Add").addInput("unmasked")
                .addInput("pad_3d").addOutput("last_hidden_state"));
        Files.write(model, m.toBuilder().setGraph(g).build().toByteArray());
    }
}
