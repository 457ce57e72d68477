package dev.chorus.gguf;

import java.util.List;
import java.util.Objects;

/**
 * One typed metadata value. Unsigned types keep their exact range: {@code UInt8}/{@code UInt16} hold an int,
 * {@code UInt32} a long, and {@code UInt64} the raw 64 bits (read them with {@link Long#toUnsignedString}).
 */
public sealed interface GgufValue {

    GgufValueType type();

    record UInt8(int value) implements GgufValue {
        public UInt8 {
            checkRange(value, 0, 0xFF, "uint8");
        }

        public GgufValueType type() {
            return GgufValueType.UINT8;
        }
    }

    record Int8(byte value) implements GgufValue {
        public GgufValueType type() {
            return GgufValueType.INT8;
        }
    }

    record UInt16(int value) implements GgufValue {
        public UInt16 {
            checkRange(value, 0, 0xFFFF, "uint16");
        }

        public GgufValueType type() {
            return GgufValueType.UINT16;
        }
    }

    record Int16(short value) implements GgufValue {
        public GgufValueType type() {
            return GgufValueType.INT16;
        }
    }

    record UInt32(long value) implements GgufValue {
        public UInt32 {
            checkRange(value, 0, 0xFFFF_FFFFL, "uint32");
        }

        public GgufValueType type() {
            return GgufValueType.UINT32;
        }
    }

    record Int32(int value) implements GgufValue {
        public GgufValueType type() {
            return GgufValueType.INT32;
        }
    }

    /** The unsigned 64-bit value, bit for bit. */
    record UInt64(long bits) implements GgufValue {
        public GgufValueType type() {
            return GgufValueType.UINT64;
        }
    }

    record Int64(long value) implements GgufValue {
        public GgufValueType type() {
            return GgufValueType.INT64;
        }
    }

    /** Equality follows {@link Float#compare}: -0.0 differs from 0.0, every NaN equals every NaN. */
    record Float32(float value) implements GgufValue {
        public GgufValueType type() {
            return GgufValueType.FLOAT32;
        }
    }

    record Float64(double value) implements GgufValue {
        public GgufValueType type() {
            return GgufValueType.FLOAT64;
        }
    }

    record Bool(boolean value) implements GgufValue {
        public GgufValueType type() {
            return GgufValueType.BOOL;
        }
    }

    record Text(String value) implements GgufValue {
        public Text {
            Objects.requireNonNull(value, "value");
        }

        public GgufValueType type() {
            return GgufValueType.STRING;
        }
    }

    /** A homogeneous array; {@code elementType} may itself be {@code ARRAY} (nested arrays, each with its own type). */
    record Array(GgufValueType elementType, List<GgufValue> elements) implements GgufValue {
        public Array {
            Objects.requireNonNull(elementType, "elementType");
            // A parsed array of fixed-size values is immutable and typed by construction: kept as it is.
            if (!(elements instanceof PackedValues packed && packed.type() == elementType)) {
                elements = List.copyOf(elements);
                for (GgufValue element : elements) {
                    if (element.type() != elementType) {
                        throw new IllegalArgumentException(
                                "array of " + elementType + " holds a " + element.type() + " element");
                    }
                }
            }
        }

        public GgufValueType type() {
            return GgufValueType.ARRAY;
        }

        public int size() {
            return elements.size();
        }
    }

    private static void checkRange(long value, long min, long max, String type) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(value + " is out of range for " + type);
        }
    }
}
