package io.dreamid.common.tensors;

import java.util.Locale;

/**
 * The element types of the safetensors format, in the reference implementation's order (increasing alignment).
 * The writer puts tensors of a larger alignment first, as the reference does, so every tensor stays aligned.
 */
enum Dtype {
    BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1), I16(2), U16(2), F16(2), BF16(2), I32(4), U32(4), F32(4), F64(8),
    I64(8), U64(8);

    final int size;

    Dtype(int size) {
        this.size = size;
    }

    static Dtype parse(String name, String tensor) {
        try {
            return Dtype.valueOf(name);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new SafetensorsException("tensor \"" + tensor + "\" has an unknown dtype \"" + name + "\"");
        }
    }

    boolean readableAsFloat() {
        return this == F32 || this == F16 || this == BF16;
    }

    @Override
    public String toString() {
        return name().toUpperCase(Locale.ROOT);
    }
}
