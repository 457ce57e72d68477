package dev.chorus.engine;

import dev.chorus.engine.text.StopMatcher;
import dev.chorus.kernels.fusion.FusionRule;

import java.util.Arrays;
import java.util.Optional;

/**
 * One admitted request: its tokens (prompt, then sampled), how many of them are in the KV cache, the slot it holds
 * in each model of its collaboration, and its text state. Owned by the step-loop thread once queued.
 */
final class Sequence {
    final Collaboration collaboration;
    final GenerationRequest request;
    final FusionRule rule;
    final Generation generation;
    final int promptLength;
    final int[] tokens;
    /** By the collaboration's model index: the slot held in that model, and the batch index of this step's last token. */
    final int[] slots;
    final int[] entries;
    /**
     * The collaboration's draft model (in the last slot): its cells and, when the sequence speculates, its proposals;
     * null without a draft.
     */
    final DraftState draft;
    /** Gated fusion: the lead decides alone while it is sure, the others lag behind; null when every token is fused. */
    final GateState gate;
    /** The grammar and logit biases, or null when the request has none. */
    final ConstraintState constraint;
    private final SequenceText text;
    private int length;
    private int decoded;
    private int planned;
    private int cachedPrompt;

    /** @param capacity the collaboration's slot context: the most prompt and sampled tokens together */
    Sequence(Collaboration collaboration, GenerationRequest request, FusionRule rule, int[] prompt, int capacity,
             Generation generation, ConstraintState constraint) {
        this.collaboration = collaboration;
        this.request = request;
        this.rule = rule;
        this.generation = generation;
        this.constraint = constraint;
        this.promptLength = prompt.length;
        this.tokens = new int[capacity];
        System.arraycopy(prompt, 0, tokens, 0, prompt.length);
        this.length = prompt.length;
        this.text = new SequenceText(request.stop());
        this.slots = new int[collaboration.models().size()];
        this.entries = new int[slots.length];
        Arrays.fill(slots, -1);
        this.draft = collaboration.newDraftState(request, constraint != null);
        this.gate = collaboration.newGateState(rule, constraint);
    }

    int[] prompt() {
        return Arrays.copyOf(tokens, promptLength);
    }

    boolean admitted() {
        return slots[0] >= 0;
    }

    /** The first {@code prefix} prompt tokens are already in the KV cells of every slot held. */
    void reuseCached(int prefix) {
        decoded = prefix;
        cachedPrompt = prefix;
        if (draft != null) {
            draft.decoded = prefix;
        }
        if (gate != null) {
            gate.othersDecoded = prefix;
        }
    }

    /**
     * The tokens slot {@code modelIndex}'s cells hold when {@code cached} are kept: the draft's, and a gate's other
     * models, may lag behind.
     */
    int cachedIn(int modelIndex, int cached) {
        if (draft != null && modelIndex == slots.length - 1) {
            return Math.min(cached, draft.decoded);
        }
        return gate != null && gate.lags(modelIndex) ? Math.min(cached, gate.othersDecoded) : cached;
    }

    /** Keeps only the first {@code kept} decoded tokens: a verification rejected the proposals after them. */
    void rewind(int kept) {
        decoded = kept;
    }

    /** The remaining room of the slot's context. */
    int contextLeft() {
        return tokens.length - length;
    }

    int cachedPrompt() {
        return cachedPrompt;
    }

    int length() {
        return length;
    }

    /** Tokens not yet in the KV cache: the rest of the prompt, or the last sampled token. */
    int pending() {
        return length - decoded;
    }

    /** The position of the next token to decode, and the number of tokens the KV cells hold. */
    int decoded() {
        return decoded;
    }

    /** Notes that the next {@code count} pending tokens are in this step's batches. */
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
        if (constraint != null) {
            constraint.accept(token);
        }
        tokens[length++] = token;
        return text.append(piece);
    }

    Usage usage() {
        return new Usage(promptLength, generated(), cachedPrompt);
    }

    /** Ends the generation, releasing held text unless a stop string ended it (which is never emitted). */
    void finish(FinishReason reason, Optional<String> error) {
        if (constraint != null) {
            constraint.close();
        }
        generation.finish(text.releaseHeld(), reason, usage(), error,
                Optional.ofNullable(draft).filter(state -> state.speculates).map(DraftState::summary),
                Optional.ofNullable(gate).map(GateState::stats));
    }
}
