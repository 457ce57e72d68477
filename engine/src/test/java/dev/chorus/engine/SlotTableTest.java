package dev.chorus.engine;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Slot choice with the prompt cache: longest common prefix first, least recently used on a tie or a miss. */
class SlotTableTest {
    private static final int[] PSALM = {1, 10, 11, 12, 13, 14};
    private static final int[] GENESIS = {1, 20, 21, 22};

    @Test
    void aPromptGoesToTheSlotCachingItsLongestPrefix() {
        SlotTable table = new SlotTable(3, 16);
        finish(table, 0, PSALM);
        finish(table, 1, GENESIS);
        int[] longerPsalm = {1, 10, 11, 12, 99};
        assertEquals(0, table.choose(longerPsalm, true));
        assertEquals(4, table.commonPrefix(0, longerPsalm));
        assertEquals(1, table.choose(new int[] {1, 20, 21, 22, 23}, true));
    }

    @Test
    void withoutReuseOrAMatchTheLeastRecentlyUsedSlotIsTaken() {
        SlotTable table = new SlotTable(3, 16);
        finish(table, 2, GENESIS);
        finish(table, 0, PSALM);
        finish(table, 1, GENESIS);
        assertEquals(2, table.choose(PSALM, false), "slot 2 was used longest ago");
        assertEquals(2, table.choose(new int[] {7, 8}, true), "no slot shares a prefix");
    }

    @Test
    void busySlotsAreNotChosenAndKeepOnlyWhatTheTakerKept() {
        SlotTable table = new SlotTable(2, 16);
        finish(table, 0, PSALM);
        table.take(0, 3);
        assertEquals(1, table.busy());
        assertEquals(1, table.choose(PSALM, true), "slot 0 is busy");
        assertEquals(3, table.commonPrefix(0, PSALM), "cut to the prefix the taker kept");
        table.take(1, 0);
        assertThrows(IllegalStateException.class, () -> table.choose(PSALM, true));
        assertThrows(IllegalStateException.class, () -> table.take(1, 0));
        table.release(0, new int[0], 0);
        assertEquals(0, table.commonPrefix(0, PSALM), "released with its cells forgotten");
    }

    private static void finish(SlotTable table, int slot, int[] tokens) {
        table.take(slot, 0);
        table.release(slot, tokens, tokens.length);
    }
}
