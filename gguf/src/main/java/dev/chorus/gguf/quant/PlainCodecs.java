package dev.chorus.gguf.quant;

/** The unblocked float types: F32 (a copy), F16 and BF16 (one element per two bytes). */
final class PlainCodecs {
    private PlainCodecs() {
    }

    static final BlockEncoder F32_ENCODER = (source, sourceOffset, target, targetOffset, count) -> {
        for (int i = 0; i < count; i++) {
            LittleEndian.putFloat32(target, targetOffset + 4L * i, source[sourceOffset + i]);
        }
    };

    static final BlockDecoder F32_DECODER = (source, sourceOffset, target, targetOffset, count) -> {
        for (int i = 0; i < count; i++) {
            target[targetOffset + i] = LittleEndian.float32(source, sourceOffset + 4L * i);
        }
    };

    static final BlockEncoder F16_ENCODER = (source, sourceOffset, target, targetOffset, count) -> {
        for (int i = 0; i < count; i++) {
            LittleEndian.putHalf(target, targetOffset + 2L * i, source[sourceOffset + i]);
        }
    };

    static final BlockDecoder F16_DECODER = (source, sourceOffset, target, targetOffset, count) -> {
        for (int i = 0; i < count; i++) {
            target[targetOffset + i] = LittleEndian.half(source, sourceOffset + 2L * i);
        }
    };

    static final BlockEncoder BF16_ENCODER = (source, sourceOffset, target, targetOffset, count) -> {
        for (int i = 0; i < count; i++) {
            LittleEndian.putInt16(target, targetOffset + 2L * i, BFloat16.fromFloat(source[sourceOffset + i]));
        }
    };

    static final BlockDecoder BF16_DECODER = (source, sourceOffset, target, targetOffset, count) -> {
        for (int i = 0; i < count; i++) {
            target[targetOffset + i] = BFloat16.toFloat(LittleEndian.int16(source, sourceOffset + 2L * i));
        }
    };
}
