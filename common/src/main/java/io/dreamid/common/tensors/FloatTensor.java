package io.dreamid.common.tensors;

import java.util.Arrays;

/**
 * A dense float tensor in C (row-major) order.
 *
 * @param shape the size of each dimension; empty for a scalar
 * @param data  the values, as many as the product of {@code shape}
 */
public record FloatTensor(long[] shape, float[] data) {

    public FloatTensor {
        if (shape == null || data == null) {
            throw new IllegalArgumentException("shape and data are required");
        }
        long elements = elementCount(shape);
        if (elements != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + elements
                    + " values, got " + data.length);
        }
    }

    /** The product of the dimensions (1 for a scalar). */
    static long elementCount(long[] shape) {
        long elements = 1;
        for (long dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            elements = Math.multiplyExact(elements, dim);
        }
        return elements;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof FloatTensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "FloatTensor" + Arrays.toString(shape);
    }
}
