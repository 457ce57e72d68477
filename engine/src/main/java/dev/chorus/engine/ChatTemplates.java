package dev.chorus.engine;

import dev.chorus.llama.ChatMessage;
import dev.chorus.llama.ChatTemplate;
import dev.chorus.llama.Model;

import java.util.List;

/**
 * Chat prompts: rendered by llama.cpp with the model's own template ({@code tokenizer.chat_template} in its GGUF
 * metadata). A model without one gets {@link #DEFAULT}, ChatML ({@code <|im_start|>role\ncontent<|im_end|>\n} per
 * message, then {@code <|im_start|>assistant\n}), llama.cpp's built-in {@code chatml}: the most widely used format,
 * and plain text the shared vocabulary can tokenize even where the markers are not special tokens.
 */
public final class ChatTemplates {
    public static final ChatTemplate DEFAULT = ChatTemplate.named("chatml");

    private ChatTemplates() {
    }

    public static ChatTemplate forModel(Model model) {
        return model.chatTemplate().orElse(DEFAULT);
    }

    /** The prompt text for {@code messages}, ending with the opening of the assistant's reply. */
    public static String render(Model model, List<ChatMessage> messages) {
        return forModel(model).apply(messages, true);
    }
}
