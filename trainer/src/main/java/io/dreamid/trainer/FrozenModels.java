package io.dreamid.trainer;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.dreamid.common.models.BundleManifest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The frozen Stable Diffusion modules the projector is trained through, as TorchScript on DJL's PyTorch engine:
 * the text encoder taking {@code inputs_embeds}, the UNet, and the VAE encoder (latent mean). Their parameters never
 * get a gradient ({@code freezeParameters}); autograd still flows through them to the input embeddings.
 *
 * <p>They are loaded with {@code trainParam=true} because DJL otherwise loads the weights as inference tensors,
 * which "cannot be saved for backward"; freezing afterwards turns their gradients off again.
 */
public final class FrozenModels implements AutoCloseable {
    public static final String TEXT_ENCODER = "text_encoder_embeds";
    public static final String UNET = "unet";
    public static final String VAE_ENCODER = "vae_encoder";
    private static final String TOKEN_TABLE_SUFFIX = "token_embedding.weight";
    /** DJL's switch for TorchScript's profiling graph executor, read once when the engine starts. */
    static final String GRAPH_OPTIMIZER = "ai.djl.pytorch.graph_optimizer";

    static {
        // The profiling executor re-optimises a graph after its first runs (and again for new shapes), so the first
        // steps of a process would run other kernels than later ones: a resumed run would then differ from an
        // uninterrupted one in the last bits. Without it every step runs the same graph.
        if (System.getProperty(GRAPH_OPTIMIZER) == null) {
            System.setProperty(GRAPH_OPTIMIZER, "false");
        }
    }

    private final Model textEncoder;
    private final Model unet;
    private final Model vaeEncoder;
    private final Map<String, String> fileHashes;

    private FrozenModels(Model textEncoder, Model unet, Model vaeEncoder, Map<String, String> fileHashes) {
        this.textEncoder = textEncoder;
        this.unet = unet;
        this.vaeEncoder = vaeEncoder;
        this.fileHashes = fileHashes;
    }

    /** Loads {@code text_encoder_embeds.pt}, {@code unet.pt} and {@code vae_encoder.pt} from {@code dir}. */
    public static FrozenModels load(Path dir, Device device) {
        requireSafeCpuGradients(device);
        Map<String, String> hashes = new LinkedHashMap<>();
        Model te = null;
        Model un = null;
        try {
            te = loadOne(dir, TEXT_ENCODER, device, hashes);
            un = loadOne(dir, UNET, device, hashes);
            Model vae = loadOne(dir, VAE_ENCODER, device, hashes);
            return new FrozenModels(te, un, vae, hashes);
        } catch (RuntimeException e) {
            if (te != null) {
                te.close();
            }
            if (un != null) {
                un.close();
            }
            throw e;
        }
    }

    /**
     * libtorch 2.7.1's oneDNN returns wrong conv2d input gradients on AVX-512 CPUs (up to 41 % of the gradient for
     * the UNet's {@code conv_out}, checked against the shared gradient golden); its SSE4.1 path is right and as fast.
     * The variable is read by the native library at load, so it has to be set before the JVM starts.
     */
    static void requireSafeCpuGradients(Device device) {
        if (device.isGpu()) {
            return;
        }
        String isa = System.getenv("DNNL_MAX_CPU_ISA");
        if (isa == null || !isa.equalsIgnoreCase("SSE41")) {
            throw new TrainerException("set DNNL_MAX_CPU_ISA=SSE41 in the environment before starting the trainer on"
                    + " CPU (it is " + (isa == null ? "unset" : isa) + "): libtorch 2.7.1's oneDNN computes wrong conv2d"
                    + " gradients on AVX-512 CPUs otherwise (./dreamid train sets it)");
        }
    }

    private static Model loadOne(Path dir, String name, Device device, Map<String, String> hashes) {
        Path file = dir.resolve(name + ".pt");
        if (!Files.isRegularFile(file)) {
            throw new TrainerException("the TorchScript folder " + dir.toAbsolutePath() + " has no " + file.getFileName()
                    + " (it needs " + TEXT_ENCODER + ".pt, " + UNET + ".pt and " + VAE_ENCODER + ".pt)");
        }
        hashes.put(file.getFileName().toString(), BundleManifest.sha256(file));
        Model model = Model.newInstance(name, device, "PyTorch");
        try {
            model.load(dir, name, Map.of("trainParam", "true"));
        } catch (IOException | MalformedModelException | RuntimeException e) {
            model.close();
            throw new TrainerException("cannot load " + file + " as TorchScript: " + e.getMessage(), e);
        }
        model.getBlock().freezeParameters(true);
        return model;
    }

    /** {@code last_hidden_state} [B, S, width] of input embeddings [B, S, width]; differentiable in the input. */
    public NDArray encodeText(NDArray inputsEmbeds) {
        return forward(textEncoder, new NDList(inputsEmbeds));
    }

    /** The UNet's prediction [B, 4, h, w] for noisy latents, float timesteps [B] and text states. */
    public NDArray predict(NDArray noisyLatents, NDArray timesteps, NDArray textStates) {
        return forward(unet, new NDList(noisyLatents, timesteps, textStates));
    }

    /** The VAE encoder's latent mean [B, 4, H/8, W/8] of images [B, 3, H, W] in [-1, 1], not yet scaled. */
    public NDArray encodeImage(NDArray images) {
        return forward(vaeEncoder, new NDList(images));
    }

    private static NDArray forward(Model model, NDList inputs) {
        // training=true keeps autograd on (DJL's PyTorch engine disables it for training=false); the traced
        // modules have no dropout or batch statistics, so this is no change of behaviour.
        ParameterStore store = new ParameterStore(inputs.head().getManager(), false);
        return model.getBlock().forward(store, inputs, true).singletonOrThrow();
    }

    /** The text encoder's token embedding table [vocab, width], row-major (the twin carries it as a parameter). */
    public float[] tokenTable() {
        return tokenTableArray().toFloatArray();
    }

    public int vocabSize() {
        return (int) tokenTableArray().getShape().get(0);
    }

    public int width() {
        return (int) tokenTableArray().getShape().get(1);
    }

    private NDArray tokenTableArray() {
        for (Pair<String, Parameter> p : textEncoder.getBlock().getParameters()) {
            if (p.getKey().endsWith(TOKEN_TABLE_SUFFIX)) {
                return p.getValue().getArray();
            }
        }
        throw new TrainerException(TEXT_ENCODER + ".pt has no parameter named *" + TOKEN_TABLE_SUFFIX
                + ": export the text encoder with its token embedding (see tools/trainer)");
    }

    /** SHA-256 of each TorchScript file, by file name. */
    public Map<String, String> fileHashes() {
        return fileHashes;
    }

    /**
     * SHA-256 over every parameter's name and float32 bytes, module by module: equal before and after training
     * exactly when no frozen weight moved by a single bit.
     */
    public String weightsDigest() {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (Model model : new Model[] {textEncoder, unet, vaeEncoder}) {
            Block block = model.getBlock();
            for (Pair<String, Parameter> p : block.getParameters()) {
                digest.update(p.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                float[] values = p.getValue().getArray().toFloatArray();
                ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(values);
                digest.update(bytes.array());
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    @Override
    public void close() {
        vaeEncoder.close();
        unet.close();
        textEncoder.close();
    }
}
