package dev.chorus.llama.internal;

import static dev.chorus.llama.internal.NativeTypes.C_POINTER;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/** {@code struct llama_chat_message} (llama.h, v0.5.0): two C strings, 16 bytes. */
public final class LlamaChatMessage {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            C_POINTER.withName("role"),         // const char * role;
            C_POINTER.withName("content"))      // const char * content;
            .withName("llama_chat_message");

    private static final long ROLE = NativeTypes.offset(LAYOUT, "role", 0);
    private static final long CONTENT = NativeTypes.offset(LAYOUT, "content", 8);

    static {
        NativeTypes.requireSize(LAYOUT, 16);
    }

    private LlamaChatMessage() {}

    /** Writes one message into element {@code index} of an array of messages. */
    public static void set(MemorySegment messages, long index, MemorySegment role, MemorySegment content) {
        MemorySegment message = messages.asSlice(index * LAYOUT.byteSize(), LAYOUT);
        message.set(C_POINTER, ROLE, role);
        message.set(C_POINTER, CONTENT, content);
    }
}
