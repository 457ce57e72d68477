package dev.chorus.gguf;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor's entry in a GGUF file.
 *
 * @param name       the tensor name (at most 63 UTF-8 bytes, as ggml requires)
 * @param type       element type
 * @param shape      dimensions in ggml order, {@code shape[0]} the contiguous row length (ggml's {@code ne[0]}); none for
 *                   a scalar
 * @param dataOffset byte offset of the data from the start of the file's data section
 */
public record GgufTensorInfo(String name, GgmlType type, long[] shape, long dataOffset) {
    /** ggml's {@code GGML_MAX_DIMS}. */
    public static final int MAX_DIMS = 4;
    /** ggml's {@code GGML_MAX_NAME} less the terminating NUL. */
    public static final int MAX_NAME_BYTES = 63;

    public GgufTensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        shape = shape.clone();
        if (shape.length > MAX_DIMS) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + shape.length + " dimensions, at most 4 allowed");
        }
        for (long dim : shape) {
            if (dim <= 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has a dimension " + dim + " <= 0");
            }
        }
        if (shape.length > 0 && shape[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException("tensor '" + name + "' rows of " + shape[0]
                    + " elements are not a multiple of the " + type + " block size " + type.blockSize());
        }
        type.byteSizeFor(elementCount(name, shape));
        if (dataOffset < 0) {
            throw new IllegalArgumentException("tensor '" + name + "' has a negative data offset " + dataOffset);
        }
    }

    /** A copy of the dimensions. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int dimensionCount() {
        return shape.length;
    }

    public long dimension(int index) {
        return shape[index];
    }

    public long elementCount() {
        return elementCount(name, shape);
    }

    /** Bytes of tensor data. */
    public long byteSize() {
        return type.byteSizeFor(elementCount());
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof GgufTensorInfo that && name.equals(that.name) && type == that.type
                && Arrays.equals(shape, that.shape) && dataOffset == that.dataOffset;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, Arrays.hashCode(shape), dataOffset);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape) + " @" + dataOffset;
    }

    private static long elementCount(String name, long[] shape) {
        long count = 1;
        for (long dim : shape) {
            try {
                count = Math.multiplyExact(count, dim);
            } catch (ArithmeticException overflow) {
                throw new IllegalArgumentException("tensor '" + name + "' element count overflows a long: "
                        + Arrays.toString(shape));
            }
        }
        return count;
    }
}
