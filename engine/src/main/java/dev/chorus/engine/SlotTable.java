package dev.chorus.engine;

import java.util.Arrays;

/**
 * The slots (llama.cpp sequence ids) of one model's context and, for each, the tokens its KV cells hold: a finished
 * sequence leaves its tokens cached, and the next request whose prompt shares a prefix with them reuses that prefix
 * instead of prefilling it again. Choice follows llama-server: the free slot with the longest common prefix, else
 * the least recently used. Owned by the step-loop thread.
 */
final class SlotTable {
    private final int[][] cached;
    private final int[] cachedLength;
    private final boolean[] busy;
    private final long[] lastUsed;
    private long clock;
    private int busyCount;

    /** @param slotContext the most tokens one slot holds */
    SlotTable(int slots, int slotContext) {
        cached = new int[slots][slotContext];
        cachedLength = new int[slots];
        busy = new boolean[slots];
        lastUsed = new long[slots];
    }

    int slots() {
        return busy.length;
    }

    int free() {
        return busy.length - busyCount;
    }

    int busy() {
        return busyCount;
    }

    /** A free slot for {@code prompt}: the longest cached prefix when {@code reuse}, ties and misses to the least recently used. */
    int choose(int[] prompt, boolean reuse) {
        int best = -1;
        int bestPrefix = -1;
        for (int slot = 0; slot < busy.length; slot++) {
            if (busy[slot]) {
                continue;
            }
            int prefix = reuse ? commonPrefix(slot, prompt) : 0;
            if (prefix > bestPrefix || (prefix == bestPrefix && lastUsed[slot] < lastUsed[best])) {
                best = slot;
                bestPrefix = prefix;
            }
        }
        if (best < 0) {
            throw new IllegalStateException("no free slot");
        }
        return best;
    }

    /** Tokens at the start of {@code prompt} that the slot's cells already hold. */
    int commonPrefix(int slot, int[] prompt) {
        int length = Math.min(cachedLength[slot], prompt.length);
        int mismatch = Arrays.mismatch(cached[slot], 0, length, prompt, 0, length);
        return mismatch < 0 ? length : mismatch;
    }

    /** Takes a free slot for a sequence whose cells keep only their first {@code kept} cached tokens. */
    void take(int slot, int kept) {
        if (busy[slot]) {
            throw new IllegalStateException("slot " + slot + " is taken");
        }
        if (kept > cachedLength[slot]) {
            throw new IllegalArgumentException("slot " + slot + " caches " + cachedLength[slot] + " tokens, not " + kept);
        }
        busy[slot] = true;
        busyCount++;
        cachedLength[slot] = kept;
        lastUsed[slot] = ++clock;
    }

    /** Gives a slot back; its cells hold the first {@code length} of {@code tokens} (0 when they are unknown). */
    void release(int slot, int[] tokens, int length) {
        if (!busy[slot]) {
            throw new IllegalStateException("slot " + slot + " is free");
        }
        System.arraycopy(tokens, 0, cached[slot], 0, length);
        cachedLength[slot] = length;
        busy[slot] = false;
        busyCount--;
        lastUsed[slot] = ++clock;
    }
}
