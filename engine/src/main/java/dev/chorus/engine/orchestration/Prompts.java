package dev.chorus.engine.orchestration;

import dev.chorus.engine.Message;
import dev.chorus.engine.Prompt;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The prompts orchestrations write for their members. A text prompt gets the instructions as a paragraph before
 * it; a chat gets them as a first system message. A token prompt cannot be rewritten: kinds that need to (moa,
 * debate, judges) refuse it.
 */
final class Prompts {
    /** The mixture-of-agents aggregation instructions (after Wang et al., 2024), followed by the numbered proposals. */
    static final String AGGREGATION = "You have been provided with a set of responses from various models to the"
            + " latest user query. Your task is to synthesize these responses into a single, high-quality response."
            + " Critically evaluate the information provided in these responses, recognizing that some of it may be"
            + " biased or incorrect. Do not simply replicate the given answers; offer a refined, accurate and"
            + " comprehensive reply.\n\nResponses from models:";
    /** What a debater reads before revising, followed by the other debaters' numbered answers. */
    static final String DEBATE = "These are the answers of the other agents to the question below. Using them as"
            + " additional information, give your updated answer.\n\nOther agents' answers:";
    /**
     * What a debate judge reads; {@code {query}} and {@code {answers}} (lettered A, B, …: a letter after a space is
     * one token in common vocabularies, where a digit often is two) are filled in.
     */
    static final String DEBATE_JUDGE = "Question: {query}\n\nAnswers:\n{answers}\n\nThe letter of the best answer is";

    private Prompts() {
    }

    /** The last user message of a chat, or the whole text of a text prompt; empty for tokens. */
    static Optional<String> lastUserText(Prompt prompt) {
        return switch (prompt) {
            case Prompt.Text text -> Optional.of(text.text());
            case Prompt.Chat chat -> chat.messages().reversed().stream()
                    .filter(message -> message.role().equals("user")).map(Message::content).findFirst();
            case Prompt.Tokens ignored -> Optional.empty();
        };
    }

    /** Characters of every message or of the text; tokens count one each. */
    static int length(Prompt prompt) {
        return switch (prompt) {
            case Prompt.Text text -> text.text().length();
            case Prompt.Chat chat -> chat.messages().stream().mapToInt(message -> message.content().length()).sum();
            case Prompt.Tokens tokens -> tokens.tokens().length;
        };
    }

    /** The question a judge reads: the last user message or the text. */
    static String query(Prompt prompt, String who) {
        return lastUserText(prompt).orElseThrow(() -> new IllegalArgumentException(who
                + " rewrites prompts and needs a text or chat prompt, not tokens"));
    }

    /** {@code prompt} with {@code instructions} first. */
    static Prompt withInstructions(Prompt prompt, String instructions, String who) {
        return switch (prompt) {
            case Prompt.Text text -> Prompt.text(instructions + "\n\n" + text.text());
            case Prompt.Chat chat -> {
                List<Message> messages = new ArrayList<>();
                messages.add(new Message("system", instructions));
                messages.addAll(chat.messages());
                yield Prompt.chat(messages);
            }
            case Prompt.Tokens ignored -> throw new IllegalArgumentException(who
                    + " rewrites prompts and needs a text or chat prompt, not tokens");
        };
    }

    /** {@code heading} then each text as {@code "\n\n<n>. <text>"}, numbered from 1. */
    static String numbered(String heading, List<String> texts) {
        StringBuilder out = new StringBuilder(heading);
        for (int index = 0; index < texts.size(); index++) {
            out.append("\n\n").append(index + 1).append(". ").append(texts.get(index));
        }
        return out.toString();
    }

    /** Each text as {@code "<letter>. <text>"} on its own line, lettered from A. */
    static String lettered(List<String> texts) {
        StringBuilder out = new StringBuilder();
        for (int index = 0; index < texts.size(); index++) {
            out.append(index == 0 ? "" : "\n").append(letter(index)).append(". ").append(texts.get(index));
        }
        return out.toString();
    }

    static String letter(int index) {
        return String.valueOf((char) ('A' + index));
    }

    static String aggregation(List<String> proposals) {
        return numbered(AGGREGATION, proposals);
    }
}
