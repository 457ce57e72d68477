package dev.chorus.engine;

import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CpuBudgetTest {
    @Test
    void aFixedBudgetIsSplitEvenlyAmongTheModelsOfAStep() {
        CpuBudget budget = CpuBudget.configured(Optional.of(4));
        assertEquals(4, budget.share(1));
        assertEquals(2, budget.share(2));
        assertEquals(1, budget.share(3));
        assertEquals(1, budget.share(9), "never below one thread");
        assertEquals(4, budget.share(0), "no model decoding: nothing to split");
    }

    @Test
    void runnableThreadsBeyondTheReaderCountAsTakenCores() {
        assertEquals(0, CpuBudget.takenCores("0.50 0.40 0.30 1/512 12345\n"));
        assertEquals(1, CpuBudget.takenCores("1.02 0.80 0.51 2/601 4242"));
        assertEquals(5, CpuBudget.takenCores("9.00 8.00 7.00 6/900 1"));
        assertEquals(0, CpuBudget.takenCores("0 0 0 0/10 1"), "a reader not yet counted is not a negative load");
    }

    @Test
    void coresOthersKeepBusyAreGivenUpOnceEverySampleOfTheWindowSeesThem() {
        long[] now = {System.nanoTime()};
        String[] loadavg = {"3.00 2.00 1.00 2/300 77"};
        CpuBudget budget = new CpuBudget(2, true, () -> loadavg[0], () -> now[0]);
        for (int sample = 1; sample < CpuBudget.WINDOW; sample++) {
            assertEquals(2, budget.share(1), "sample " + sample + ": the window still holds an unloaded sample");
            now[0] += TimeUnit.MILLISECONDS.toNanos(CpuBudget.SAMPLE_MILLIS);
        }
        assertEquals(1, budget.share(1), "one other runnable thread in every sample of the window: one core taken");
        loadavg[0] = "0.10 0.20 0.30 1/300 78";
        assertEquals(1, budget.share(1), "no new sample before " + CpuBudget.SAMPLE_MILLIS + " ms");
        now[0] += TimeUnit.MILLISECONDS.toNanos(CpuBudget.SAMPLE_MILLIS);
        assertEquals(2, budget.share(1), "one quiet sample gives the core back");
    }

    @Test
    void anUnreadableLoadCountsAsNoLoad() {
        CpuBudget budget = new CpuBudget(2, true, () -> {
            throw new IllegalStateException("unreadable");
        }, System::nanoTime);
        assertEquals(2, budget.share(1));
    }

    @Test
    void aBudgetHasAThreadAtLeast() {
        assertThrows(IllegalArgumentException.class, () -> new CpuBudget(0, false));
    }
}
