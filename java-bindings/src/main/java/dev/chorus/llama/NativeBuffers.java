package dev.chorus.llama;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * Calls to C functions that fill a caller's buffer and report the size they needed, retried once
 * with a buffer of that size.
 */
final class NativeBuffers {

    /** A call writing at most {@code capacity} elements into {@code buffer}. */
    @FunctionalInterface
    interface Fill {
        int into(MemorySegment buffer, int capacity);
    }

    private NativeBuffers() {}

    /**
     * For functions that return the element count, or minus the count they need when the buffer is
     * too small ({@code llama_tokenize}, {@code llama_token_to_piece}, {@code llama_detokenize}).
     * Returns the filled part of the buffer.
     */
    static MemorySegment negativeMeansNeeded(Arena arena, ValueLayout element, int capacity, Fill fill, String function) {
        MemorySegment buffer = arena.allocate(element, Math.max(capacity, 1));
        int count = fill.into(buffer, capacity);
        if (count < 0 && count != Integer.MIN_VALUE) {
            int needed = -count;
            buffer = arena.allocate(element, needed);
            count = fill.into(buffer, needed);
        }
        Status.checkLength(count, function);
        return buffer.asSlice(0, count * element.byteSize());
    }

    /** What a length-returning call wrote: {@code length} bytes, or a negative status and no bytes. */
    record Filled(int length, MemorySegment bytes) {
        String string() {
            return new String(bytes.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        }
    }

    /**
     * For {@code snprintf}-like functions that return the full length (without the NUL) whatever
     * the buffer size ({@code llama_model_meta_val_str}, {@code llama_model_desc},
     * {@code llama_chat_apply_template}); a negative length is returned for the caller to interpret.
     */
    static Filled lengthReturned(Arena arena, int capacity, Fill fill) {
        MemorySegment buffer = arena.allocate(capacity);
        int length = fill.into(buffer, capacity);
        if (length >= capacity) {
            buffer = arena.allocate(length + 1L);
            length = fill.into(buffer, length + 1);
        }
        return new Filled(length, length < 0 ? MemorySegment.NULL : buffer.asSlice(0, length));
    }
}
