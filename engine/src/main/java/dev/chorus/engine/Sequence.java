package dev.chorus.engine;

import dev.chorus.engine.text.StopMatcher;
import dev.chorus.engine.text.Utf8Accumulator;
import dev.chorus.kernels.fusion.FusionRule;

import java.util.Optional;

/**
 * One admitted request in its slot: its tokens (prompt, then sampled), how many of them are in the KV cache, and its
 * text state. Owned by the collaboration's scheduler thread.
 */
final class Sequence {
    final GenerationRequest request;
    final FusionRule rule;
    final Generation generation;
    final int promptLength;
    final int[] tokens;
    private final Utf8Accumulator utf8 = new Utf8Accumulator();
    private final StopMatcher stops;
    private int length;
    private int decoded;
    private int planned;
    private int slot = -1;
    private boolean stopMatched;

    /** @param capacity the slot's context: the most prompt and sampled tokens together */
    Sequence(GenerationRequest request, FusionRule rule, int[] prompt, int capacity, Generation generation) {
        this.request = request;
        this.rule = rule;
        this.generation = generation;
        this.promptLength = prompt.length;
        this.tokens = new int[capacity];
        System.arraycopy(prompt, 0, tokens, 0, prompt.length);
        this.length = prompt.length;
        this.stops = new StopMatcher(request.stop());
    }

    int slot() {
        return slot;
    }

    void assign(int newSlot) {
        slot = newSlot;
    }

    int length() {
        return length;
    }

    /** Tokens not yet in the KV cache: the rest of the prompt, or the last sampled token. */
    int pending() {
        return length - decoded;
    }

    /** The position of the next token to decode. */
    int decoded() {
        return decoded;
    }

    /** Notes that the next {@code count} pending tokens are in this step's batch. */
    void plan(int count) {
        planned = count;
    }

    /** The step's decode succeeded: the planned tokens are in the KV cache. */
    void commitPlanned() {
        decoded += planned;
        planned = 0;
    }

    int generated() {
        return length - promptLength;
    }

    /** Whether the slot's context holds no more tokens. */
    boolean contextFull() {
        return length >= tokens.length;
    }

    /** Records a sampled token and returns the text it releases, and whether a stop string completed. */
    StopMatcher.Outcome accept(int token, byte[] piece) {
        tokens[length++] = token;
        StopMatcher.Outcome outcome = stops.offer(utf8.append(piece));
        stopMatched = outcome.stopped();
        return outcome;
    }

    Usage usage() {
        return new Usage(promptLength, generated());
    }

    /** Ends the generation, releasing held text unless a stop string ended it (which is never emitted). */
    void finish(FinishReason reason, Optional<String> error) {
        generation.finish(stopMatched ? "" : releaseHeld(), reason, usage(), error);
    }

    private String releaseHeld() {
        StopMatcher.Outcome last = stops.offer(utf8.flush());
        return last.stopped() ? last.text() : last.text() + stops.flush();
    }
}
