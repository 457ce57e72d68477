package dev.chorus.llama;

import dev.chorus.llama.internal.LlamaChatMessage;
import dev.chorus.llama.internal.LlamaCore;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A chat template llama.cpp's {@code llama_chat_apply_template} knows: a model's template (from its
 * GGUF metadata) or a built-in name such as {@code chatml}, {@code llama3} or {@code mistral-v7}.
 * llama.cpp matches templates by name or by recognisable markers; it has no Jinja engine.
 */
public record ChatTemplate(String template) {

    public ChatTemplate {
        if (template == null || template.isBlank()) {
            throw new IllegalArgumentException("template must not be blank");
        }
    }

    /** A built-in template by name, e.g. {@code chatml}. */
    public static ChatTemplate named(String name) {
        return new ChatTemplate(name);
    }

    /**
     * Renders {@code messages} as a prompt.
     *
     * @param addAssistant end with the tokens that open an assistant reply
     * @throws LlamaCallException when llama.cpp does not know the template
     */
    public String apply(List<ChatMessage> messages, boolean addAssistant) {
        List<ChatMessage> chat = List.copyOf(messages);
        Llama.init();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment array = call.allocate(LlamaChatMessage.LAYOUT, Math.max(chat.size(), 1));
            long characters = 0;
            for (int i = 0; i < chat.size(); i++) {
                ChatMessage message = chat.get(i);
                LlamaChatMessage.set(array, i, call.allocateFrom(message.role()), call.allocateFrom(message.content()));
                characters += message.role().length() + message.content().length();
            }
            MemorySegment source = call.allocateFrom(template);
            // llama.h recommends twice the characters of the messages; the retry covers the rest.
            int capacity = (int) Math.min(Integer.MAX_VALUE - 1L, 2 * characters + 256);
            NativeBuffers.Filled prompt = NativeBuffers.lengthReturned(call, capacity, (buffer, size) ->
                    LlamaCore.llama_chat_apply_template(source, array, chat.size(), addAssistant, buffer, size));
            Status.checkLength(prompt.length(), "llama_chat_apply_template");
            return prompt.string();
        }
    }
}
