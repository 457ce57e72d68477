package dev.chorus.llama.internal;

import static dev.chorus.llama.internal.NativeTypes.C_BOOL;
import static dev.chorus.llama.internal.NativeTypes.C_FLOAT;
import static dev.chorus.llama.internal.NativeTypes.C_INT;
import static dev.chorus.llama.internal.NativeTypes.C_LONG_LONG;
import static dev.chorus.llama.internal.NativeTypes.C_POINTER;
import static dev.chorus.llama.internal.NativeTypes.C_SIZE_T;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * {@code struct llama_token_data} (an id, a logit and a probability, 12 bytes) and {@code struct
 * llama_token_data_array} (a pointer to them, their count, the selected index and a sorted flag, 32 bytes), as in
 * llama.h of v0.5.0: the candidates a sampler's {@code apply} rewrites.
 */
public final class LlamaTokenData {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            C_INT.withName("id"),               // llama_token id;
            C_FLOAT.withName("logit"),          // float logit;
            C_FLOAT.withName("p"))              // float p;
            .withName("llama_token_data");

    public static final StructLayout ARRAY_LAYOUT = MemoryLayout.structLayout(
            C_POINTER.withName("data"),         // llama_token_data * data;
            C_SIZE_T.withName("size"),          // size_t size;
            C_LONG_LONG.withName("selected"),   // int64_t selected;
            C_BOOL.withName("sorted"),          // bool sorted;
            MemoryLayout.paddingLayout(7))
            .withName("llama_token_data_array");

    /** {@code size_t} is 64 bits on every platform the bindings support (the size checks below fail otherwise). */
    private static final ValueLayout.OfLong SIZE_T = (ValueLayout.OfLong) C_SIZE_T;
    private static final long ID = NativeTypes.offset(LAYOUT, "id", 0);
    private static final long LOGIT = NativeTypes.offset(LAYOUT, "logit", 4);
    private static final long P = NativeTypes.offset(LAYOUT, "p", 8);
    private static final long DATA = NativeTypes.offset(ARRAY_LAYOUT, "data", 0);
    private static final long SIZE = NativeTypes.offset(ARRAY_LAYOUT, "size", 8);
    private static final long SELECTED = NativeTypes.offset(ARRAY_LAYOUT, "selected", 16);
    private static final long SORTED = NativeTypes.offset(ARRAY_LAYOUT, "sorted", 24);

    static {
        NativeTypes.requireSize(LAYOUT, 12);
        NativeTypes.requireSize(ARRAY_LAYOUT, 32);
    }

    private LlamaTokenData() {}

    /** Writes candidate {@code index} of {@code data}: token {@code id} with {@code logit} and probability 0. */
    public static void set(MemorySegment data, long index, int id, float logit) {
        MemorySegment entry = data.asSlice(index * LAYOUT.byteSize(), LAYOUT);
        entry.set(C_INT, ID, id);
        entry.set(C_FLOAT, LOGIT, logit);
        entry.set(C_FLOAT, P, 0f);
    }

    public static int id(MemorySegment data, long index) {
        return data.get(C_INT, index * LAYOUT.byteSize() + ID);
    }

    public static float logit(MemorySegment data, long index) {
        return data.get(C_FLOAT, index * LAYOUT.byteSize() + LOGIT);
    }

    /** Fills an array struct over {@code size} candidates at {@code data}: unsorted, nothing selected. */
    public static void array(MemorySegment array, MemorySegment data, long size) {
        array.set(C_POINTER, DATA, data);
        array.set(SIZE_T, SIZE, size);
        array.set(C_LONG_LONG, SELECTED, -1L);
        array.set(C_BOOL, SORTED, false);
    }

    /** The candidate data the array points at now (a sampler may replace the pointer). */
    public static MemorySegment data(MemorySegment array) {
        return array.get(C_POINTER, DATA);
    }

    /** The number of candidates the array holds now. */
    public static long size(MemorySegment array) {
        return array.get(SIZE_T, SIZE);
    }
}
