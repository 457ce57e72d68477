package dev.chorus.llama.internal;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/** The C types of llama.h on this platform, and the checks every struct layout runs once. */
public final class NativeTypes {

    private static final Linker LINKER = Linker.nativeLinker();

    public static final ValueLayout.OfBoolean C_BOOL = (ValueLayout.OfBoolean) LINKER.canonicalLayouts().get("bool");
    public static final ValueLayout.OfInt C_INT = (ValueLayout.OfInt) LINKER.canonicalLayouts().get("int");
    public static final ValueLayout.OfLong C_LONG_LONG = (ValueLayout.OfLong) LINKER.canonicalLayouts().get("long long");
    public static final ValueLayout.OfFloat C_FLOAT = (ValueLayout.OfFloat) LINKER.canonicalLayouts().get("float");
    public static final ValueLayout C_SIZE_T = (ValueLayout) LINKER.canonicalLayouts().get("size_t");
    public static final AddressLayout C_POINTER = (AddressLayout) LINKER.canonicalLayouts().get("void*");

    private NativeTypes() {}

    /** A NUL-terminated C string, or {@code null} for a NULL pointer. */
    public static String string(MemorySegment pointer) {
        return pointer.equals(MemorySegment.NULL) ? null : pointer.reinterpret(Long.MAX_VALUE).getString(0);
    }

    /**
     * Fails at class initialisation when a hand-written layout disagrees with the header. The
     * expected numbers were printed by {@code sizeof}/{@code offsetof} on llama.h of llama.cpp v0.5.0
     * (x86-64 SysV); a mismatch would silently corrupt every by-value call.
     */
    static void requireSize(StructLayout layout, long expected) {
        if (layout.byteSize() != expected) {
            throw new AssertionError("sizeof(" + layout.name().orElseThrow() + ") is " + expected
                    + " in llama.h but the Java layout has " + layout.byteSize());
        }
    }

    static long offset(StructLayout layout, String field, long expected) {
        long actual = layout.byteOffset(MemoryLayout.PathElement.groupElement(field));
        if (actual != expected) {
            throw new AssertionError("offsetof(" + layout.name().orElseThrow() + ", " + field + ") is " + expected
                    + " in llama.h but the Java layout has " + actual);
        }
        return actual;
    }
}
