package dev.chorus.gguf;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** GGUF is little-endian and packs its fields without alignment. */
final class LittleEndianLayouts {
    static final ValueLayout.OfShort INT16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt INT32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong INT64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private LittleEndianLayouts() {
    }
}
