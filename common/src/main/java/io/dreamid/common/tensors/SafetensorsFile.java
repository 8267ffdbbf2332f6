package io.dreamid.common.tensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A parsed, checked safetensors file. Tensor values are decoded on each {@link #floats} call. Immutable. */
public final class SafetensorsFile {
    record Entry(String name, Dtype dtype, long[] shape, long begin, long end) {
    }

    private final byte[] bytes;
    private final int dataStart;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, String> metadata;

    SafetensorsFile(byte[] bytes, int dataStart, List<Entry> entries, Map<String, String> metadata) {
        this.bytes = bytes;
        this.dataStart = dataStart;
        entries.forEach(e -> this.entries.put(e.name(), e));
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** The {@code __metadata__} strings; empty when the file has none. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The tensor names in the order of their data in the file. */
    public List<String> names() {
        return List.copyOf(entries.keySet());
    }

    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    public long[] shape(String name) {
        return entry(name).shape().clone();
    }

    /** The stored element type as the format names it, e.g. {@code F32}, {@code F16}, {@code BF16}, {@code I64}. */
    public String dtype(String name) {
        return entry(name).dtype().toString();
    }

    /** The values of an F32, F16 or BF16 tensor as floats (16-bit types are widened exactly). */
    public float[] floats(String name) {
        Entry e = entry(name);
        if (!e.dtype().readableAsFloat()) {
            throw new SafetensorsException("tensor \"" + name + "\" is " + e.dtype()
                    + "; only F32, F16 and BF16 tensors can be read as floats");
        }
        int count = (int) ((e.end() - e.begin()) / e.dtype().size);
        ByteBuffer data = ByteBuffer.wrap(bytes, dataStart + (int) e.begin(), (int) (e.end() - e.begin()))
                .slice().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[count];
        switch (e.dtype()) {
            case F32 -> data.asFloatBuffer().get(out);
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = HalfFloats.f16ToFloat(data.getShort(i * 2));
                }
            }
            default -> {
                for (int i = 0; i < count; i++) {
                    out[i] = HalfFloats.bf16ToFloat(data.getShort(i * 2));
                }
            }
        }
        return out;
    }

    /** A tensor with its shape, read as floats. */
    public FloatTensor tensor(String name) {
        return new FloatTensor(shape(name), floats(name));
    }

    private Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new SafetensorsException("no tensor \"" + name + "\" in this file; it has " + entries.keySet());
        }
        return e;
    }
}
