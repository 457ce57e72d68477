package dev.chorus.llama;

import static dev.chorus.llama.internal.NativeTypes.C_POINTER;

import dev.chorus.llama.internal.LlamaBatch;
import dev.chorus.llama.internal.LlamaContexts;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Objects;

/**
 * Tokens to decode ({@code struct llama_batch}): each with a position, the sequences it belongs
 * to, and whether its logits are wanted. Made by {@link Context#newBatch(int)}; every entry is
 * checked when added. Not thread-safe.
 */
public final class Batch extends NativeResource {

    private final int capacity;
    private final int vocabSize;
    private final int sequences;
    private final MemorySegment struct;
    private final MemorySegment tokens;
    private final MemorySegment positions;
    private final MemorySegment sequenceCounts;
    private final MemorySegment sequenceIdArrays;
    private final MemorySegment outputs;
    /** Which sequences the entries so far belong to. */
    private final boolean[] sequencesUsed;
    private int size;

    Batch(int capacity, int vocabSize, int sequences) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("batch capacity must be positive, got " + capacity);
        }
        this.capacity = capacity;
        this.vocabSize = vocabSize;
        this.sequences = sequences;
        this.sequencesUsed = new boolean[sequences];
        this.struct = LlamaContexts.llama_batch_init(arena, capacity, 0, sequences);
        long ints = capacity * ValueLayout.JAVA_INT.byteSize();
        this.tokens = LlamaBatch.token(struct).reinterpret(ints, arena, null);
        this.positions = LlamaBatch.pos(struct).reinterpret(ints, arena, null);
        this.sequenceCounts = LlamaBatch.n_seq_id(struct).reinterpret(ints, arena, null);
        this.sequenceIdArrays = LlamaBatch.seq_id(struct).reinterpret(capacity * C_POINTER.byteSize(), arena, null);
        this.outputs = LlamaBatch.logits(struct).reinterpret(capacity, arena, null);
        // llama_batch_free releases the arrays llama_batch_init allocated; it runs when the arena
        // closes, on a heap copy of the struct, as the arena may release its own memory first.
        MemorySegment freed = MemorySegment.ofArray(new long[(int) (LlamaBatch.LAYOUT.byteSize() / Long.BYTES)]).copyFrom(struct);
        MemorySegment.NULL.reinterpret(arena, ignored -> LlamaContexts.llama_batch_free(freed));
    }

    /**
     * Appends a token.
     *
     * @param token a vocabulary id
     * @param position its position in its sequences, from 0
     * @param sequenceIds the sequences it belongs to (distinct, each below the context's sequences)
     * @param wantLogits whether {@link Context#logits(int)} should hold its logits after decoding
     * @return this batch
     */
    public Batch add(int token, int position, int[] sequenceIds, boolean wantLogits) {
        ensureOpen();
        checkEntry(token, position, Objects.requireNonNull(sequenceIds, "sequenceIds"));
        tokens.setAtIndex(ValueLayout.JAVA_INT, size, token);
        positions.setAtIndex(ValueLayout.JAVA_INT, size, position);
        sequenceCounts.setAtIndex(ValueLayout.JAVA_INT, size, sequenceIds.length);
        MemorySegment ids = sequenceIdArrays.getAtIndex(C_POINTER, size)
                .reinterpret(sequences * ValueLayout.JAVA_INT.byteSize(), arena, null);
        MemorySegment.copy(sequenceIds, 0, ids, ValueLayout.JAVA_INT, 0, sequenceIds.length);
        outputs.set(ValueLayout.JAVA_BYTE, size, (byte) (wantLogits ? 1 : 0));
        for (int id : sequenceIds) {
            sequencesUsed[id] = true;
        }
        size++;
        LlamaBatch.n_tokens(struct, size);
        return this;
    }

    /** Appends a token of one sequence. */
    public Batch add(int token, int position, int sequenceId, boolean wantLogits) {
        return add(token, position, new int[] {sequenceId}, wantLogits);
    }

    /** Empties the batch for reuse. */
    public void clear() {
        ensureOpen();
        size = 0;
        Arrays.fill(sequencesUsed, false);
        LlamaBatch.n_tokens(struct, 0);
    }

    public int size() {
        return size;
    }

    public int capacity() {
        return capacity;
    }

    /** Whether entry {@code index} asked for logits. */
    public boolean wantsLogits(int index) {
        ensureOpen();
        Objects.checkIndex(index, size);
        return outputs.get(ValueLayout.JAVA_BYTE, index) != 0;
    }

    /** A copy of which sequences the entries belong to, indexed by sequence id. */
    boolean[] sequencesUsed() {
        return sequencesUsed.clone();
    }

    int vocabSize() {
        return vocabSize;
    }

    int sequences() {
        return sequences;
    }

    /** The struct to pass by value to {@code llama_decode}. */
    MemorySegment struct() {
        ensureOpen();
        return struct;
    }

    private void checkEntry(int token, int position, int[] ids) {
        if (size == capacity) {
            throw new IllegalStateException("batch is full: capacity " + capacity);
        }
        if (token < 0 || token >= vocabSize) {
            throw new IllegalArgumentException("token " + token + " is outside the vocabulary [0, " + vocabSize + ")");
        }
        if (position < 0) {
            throw new IllegalArgumentException("position must be >= 0, got " + position);
        }
        if (ids.length == 0 || ids.length > sequences) {
            throw new IllegalArgumentException("a token belongs to 1 to " + sequences + " sequences, got " + ids.length);
        }
        if (Arrays.stream(ids).anyMatch(id -> id < 0 || id >= sequences)) {
            throw new IllegalArgumentException("sequence ids must be in [0, " + sequences + "), got " + Arrays.toString(ids));
        }
        if (Arrays.stream(ids).distinct().count() != ids.length) {
            throw new IllegalArgumentException("sequence ids must be distinct, got " + Arrays.toString(ids));
        }
    }

    @Override
    String describe() {
        return "batch of capacity " + capacity;
    }
}
