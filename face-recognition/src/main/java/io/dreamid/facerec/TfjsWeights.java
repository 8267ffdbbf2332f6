package io.dreamid.facerec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Weights in tfjs's layout: a {@code -weights_manifest.json} naming each tensor's shape, dtype and quantisation,
 * and the binary shard(s) holding them one after another. uint8-quantised tensors are read as
 * {@code q * scale + min}, as tfjs's {@code io.decodeWeights} does; float32 ones little-endian as they are.
 */
public final class TfjsWeights {
    /** One tensor, dequantised to float32, in tfjs's shape (convolution filters are [kh, kw, in, out]). */
    public record Tensor(String name, int[] shape, float[] values) {
    }

    private final Map<String, Tensor> tensors;

    private TfjsWeights(Map<String, Tensor> tensors) {
        this.tensors = tensors;
    }

    /** Reads the manifest file and the shards it names beside it. */
    public static TfjsWeights read(Path manifest) {
        try {
            return read(Files.readAllBytes(manifest), shard -> {
                try {
                    return Files.readAllBytes(manifest.resolveSibling(shard));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, manifest.toString());
        } catch (IOException | UncheckedIOException e) {
            throw new IllegalStateException("cannot read the tfjs weights of " + manifest + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads weights from a manifest's bytes and its shards by path.
     *
     * @param where names the manifest in messages
     */
    public static TfjsWeights read(byte[] manifestJson, Function<String, byte[]> shards, String where) {
        try {
            JsonNode groups = new ObjectMapper().readTree(manifestJson);
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (JsonNode group : groups) {
                ByteArrayConcat data = new ByteArrayConcat();
                for (JsonNode p : group.get("paths")) {
                    data.add(shards.apply(p.asText()));
                }
                ByteBuffer buf = ByteBuffer.wrap(data.bytes()).order(ByteOrder.LITTLE_ENDIAN);
                for (JsonNode w : group.get("weights")) {
                    String name = w.get("name").asText();
                    int[] shape = new int[w.get("shape").size()];
                    int count = 1;
                    for (int i = 0; i < shape.length; i++) {
                        shape[i] = w.get("shape").get(i).asInt();
                        count *= shape[i];
                    }
                    if (!"float32".equals(w.get("dtype").asText())) {
                        throw new IllegalStateException("tensor " + name + " has dtype " + w.get("dtype").asText()
                                + "; only float32 (possibly uint8-quantised) is supported");
                    }
                    float[] values = new float[count];
                    JsonNode q = w.get("quantization");
                    if (q == null) {
                        for (int i = 0; i < count; i++) {
                            values[i] = buf.getFloat();
                        }
                    } else if ("uint8".equals(q.get("dtype").asText())) {
                        float scale = (float) q.get("scale").asDouble();
                        float min = (float) q.get("min").asDouble();
                        for (int i = 0; i < count; i++) {
                            values[i] = (buf.get() & 0xff) * scale + min;
                        }
                    } else {
                        throw new IllegalStateException("tensor " + name + " is quantised as "
                                + q.get("dtype").asText() + "; only uint8 is supported");
                    }
                    out.put(name, new Tensor(name, shape, values));
                }
                if (buf.hasRemaining()) {
                    throw new IllegalStateException(where + ": " + buf.remaining()
                            + " bytes of the weights are not described by the manifest");
                }
            }
            return new TfjsWeights(Collections.unmodifiableMap(out));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the tfjs weights of " + where + ": " + e.getMessage(), e);
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalStateException(where + ": the weight file is shorter than the manifest says", e);
        }
    }

    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /** @throws IllegalStateException if there is no tensor of that name */
    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalStateException("the weights have no tensor " + name);
        }
        return t;
    }

    private static final class ByteArrayConcat {
        private byte[] bytes = new byte[0];

        void add(byte[] more) {
            byte[] joined = new byte[bytes.length + more.length];
            System.arraycopy(bytes, 0, joined, 0, bytes.length);
            System.arraycopy(more, 0, joined, bytes.length, more.length);
            bytes = joined;
        }

        byte[] bytes() {
            return bytes;
        }
    }
}
