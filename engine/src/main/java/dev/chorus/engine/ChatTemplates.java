package dev.chorus.engine;

import dev.chorus.llama.ChatMessage;
import dev.chorus.llama.ChatTemplate;
import dev.chorus.llama.Model;

import java.util.List;
import java.util.Optional;

/**
 * Chat prompts: rendered by llama.cpp with the template the config names ({@code chat_template}: one of
 * llama.cpp's built-ins), else the model's own ({@code tokenizer.chat_template} in its GGUF metadata). A model without one gets {@link #DEFAULT}, ChatML ({@code <|im_start|>role\ncontent<|im_end|>\n} per
 * message, then {@code <|im_start|>assistant\n}), llama.cpp's built-in {@code chatml}: the most widely used format,
 * and plain text the shared vocabulary can tokenize even where the markers are not special tokens.
 */
public final class ChatTemplates {
    public static final ChatTemplate DEFAULT = ChatTemplate.named("chatml");

    private ChatTemplates() {
    }

    /** The config's {@code chat_template} if it names one, else the model's own, else {@link #DEFAULT}. */
    public static ChatTemplate forModel(Model model, Optional<String> configured) {
        return configured.map(ChatTemplate::named).or(model::chatTemplate).orElse(DEFAULT);
    }

    /** The prompt text for {@code messages}, ending with the opening of the assistant's reply. */
    public static String render(ChatTemplate template, List<Message> messages) {
        return template.apply(messages.stream().map(m -> new ChatMessage(m.templateRole(), m.content())).toList(), true);
    }
}
