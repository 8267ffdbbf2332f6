package io.dreamid.trainer;

import io.dreamid.common.tensors.FloatTensor;
import io.dreamid.common.tensors.Safetensors;
import io.dreamid.common.tensors.SafetensorsFile;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * The VAE latents of a dataset's images, computed once and kept with the dataset: {@code latents/<SHA-256 of the
 * image file>-<SHA-256 of vae_encoder.pt>.safetensors}, one tensor {@code latent} (the VAE encoder's mean
 * [1, 4, h, w], before the scaling factor) with both hashes as metadata. A changed image or another VAE encoder has
 * another name, so a stale entry is never read; an entry that cannot be read or does not match is computed again and
 * replaced. Entries are written to a temporary file and renamed. A folder that cannot be written (a read-only
 * dataset) only costs the cache: the trainer computes the latents and says so once.
 */
final class LatentCache {
    static final String FOLDER = "latents";
    private static final String TENSOR = "latent";

    private final Path dir;
    private final String vaeHash;
    private final PrintStream log;
    private boolean writable = true;
    private int hits;
    private int misses;

    LatentCache(Path datasetDir, String vaeHash, PrintStream log) {
        this.dir = datasetDir.resolve(FOLDER);
        this.vaeHash = vaeHash;
        this.log = log;
    }

    Path file(String imageHash) {
        return dir.resolve(imageHash + "-" + vaeHash + ".safetensors");
    }

    /** The cached latent of the image with this hash, null when there is no usable entry. */
    FloatTensor get(String imageHash) {
        Path file = file(imageHash);
        if (!Files.isRegularFile(file)) {
            misses++;
            return null;
        }
        try {
            SafetensorsFile read = Safetensors.read(file);
            Map<String, String> meta = read.metadata();
            if (imageHash.equals(meta.get("image")) && vaeHash.equals(meta.get("vaeEncoder"))
                    && read.contains(TENSOR) && read.shape(TENSOR).length == 4) {
                hits++;
                return read.tensor(TENSOR);
            }
        } catch (RuntimeException e) {
            // Unreadable (e.g. truncated by a full disk): computed again below and replaced.
        }
        misses++;
        return null;
    }

    /** Keeps a computed latent; a folder that cannot be written is reported once and then left alone. */
    void put(String imageHash, FloatTensor latent) {
        if (!writable) {
            return;
        }
        Path file = file(imageHash);
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, ".latent-", ".tmp");
            Files.write(tmp, Safetensors.write(Map.of(TENSOR, latent), Map.of("image", imageHash, "vaeEncoder",
                    vaeHash, "format", "dreamid-latent/1")));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | UnsupportedOperationException e) {
            deleteQuietly(tmp);
            writable = false;
            log.println("latent cache: cannot write " + dir + " (" + e.getMessage() + "); latents are computed on every"
                    + " run");
        }
    }

    private static void deleteQuietly(Path tmp) {
        if (tmp == null) {
            return;
        }
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
            // the folder is not writable after all; nothing was left to remove
        }
    }

    int hits() {
        return hits;
    }

    int misses() {
        return misses;
    }

    Path dir() {
        return dir;
    }
}
