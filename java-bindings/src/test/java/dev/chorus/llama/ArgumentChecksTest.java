package dev.chorus.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bad arguments and closed handles fail in Java, before any native call could crash the process. */
class ArgumentChecksTest {

    private static Model model;

    @BeforeAll
    static void load() {
        model = Model.load(TestModels.fixture(), ModelParams.cpu());
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    private static Context newContext(int sequences) {
        return model.newContext(new ContextParams(TestModels.CONTEXT, 8, 8, sequences, TestModels.THREADS, FlashAttention.DISABLED));
    }

    @Test
    void batchEntriesAreChecked() {
        try (Context context = newContext(2); Batch batch = context.newBatch(2)) {
            assertThrows(IllegalArgumentException.class, () -> batch.add(-1, 0, 0, true));
            assertThrows(IllegalArgumentException.class, () -> batch.add(TestModels.VOCAB_SIZE, 0, 0, true));
            assertThrows(IllegalArgumentException.class, () -> batch.add(5, -1, 0, true));
            assertThrows(IllegalArgumentException.class, () -> batch.add(5, 0, 2, true));
            assertThrows(IllegalArgumentException.class, () -> batch.add(5, 0, -1, true));
            assertThrows(IllegalArgumentException.class, () -> batch.add(5, 0, new int[0], true));
            assertThrows(IllegalArgumentException.class, () -> batch.add(5, 0, new int[] {1, 1}, true));
            assertEquals(0, batch.size(), "rejected entries are not added");

            batch.add(1, 0, new int[] {0, 1}, false).add(5, 1, 0, true);
            assertThrows(IllegalStateException.class, () -> batch.add(6, 2, 0, true), "over capacity");
            batch.clear();
            assertEquals(0, batch.size());
        }
    }

    @Test
    void contextArgumentsAreChecked() {
        try (Context context = newContext(2)) {
            assertThrows(IllegalArgumentException.class, () -> context.newBatch(0));
            assertThrows(IllegalArgumentException.class, () -> context.newBatch(context.batchSize() + 1));
            try (Batch empty = context.newBatch(1)) {
                assertThrows(IllegalArgumentException.class, () -> context.decode(empty));
            }
            assertThrows(IndexOutOfBoundsException.class, () -> context.logits(0), "nothing decoded yet");
            assertThrows(IllegalArgumentException.class, () -> context.seqRemove(2, 0, 1));
            assertThrows(IllegalArgumentException.class, () -> context.seqRemove(0, 5, 4));
            assertThrows(IllegalArgumentException.class, () -> context.seqRemove(0, -1, 4));
            assertThrows(IllegalArgumentException.class, () -> context.seqCopy(0, 2));
            assertThrows(IllegalArgumentException.class, () -> context.seqCopy(-1, 0));
        }
    }

    @Test
    void onlyEntriesThatAskedForLogitsHaveThem() {
        try (Context context = newContext(1); Batch batch = context.newBatch(3)) {
            batch.add(1, 0, 0, false).add(500, 1, 0, true).add(900, 2, 0, false);
            context.decode(batch);

            assertEquals(TestModels.VOCAB_SIZE, context.logits(1).byteSize() / Float.BYTES);
            float[] copy = new float[TestModels.VOCAB_SIZE];
            context.copyLogits(1, copy);
            assertArrayEquals(context.logitsArray(1), copy);
            assertThrows(IllegalArgumentException.class, () -> context.copyLogits(1, new float[10]));
            assertThrows(IllegalArgumentException.class, () -> context.logits(0));
            assertThrows(IllegalArgumentException.class, () -> context.logits(2));
            assertThrows(IndexOutOfBoundsException.class, () -> context.logits(3));
            assertThrows(IllegalArgumentException.class, () -> context.logits(1).set(java.lang.foreign.ValueLayout.JAVA_FLOAT, 0, 1f),
                    "the logits view is read-only");
        }
    }

    @Test
    void aBatchTooLargeForAnotherContextIsRefused() {
        try (Context wide = newContext(2); Context narrow = newContext(1); Batch batch = wide.newBatch(2)) {
            batch.add(1, 0, 1, true);
            var error = assertThrows(IllegalArgumentException.class, () -> narrow.decode(batch));
            assertTrue(error.getMessage().contains("2 sequences"), error.getMessage());
        }
    }

    @Test
    void closedHandlesAreRejectedAndCloseIsIdempotent() {
        Context context = newContext(1);
        Batch batch = context.newBatch(1);
        batch.add(1, 0, 0, true);

        batch.close();
        assertTrue(batch.isClosed());
        assertDoesNotThrow(batch::close);
        assertThrows(IllegalStateException.class, () -> batch.add(1, 0, 0, true));
        assertThrows(IllegalStateException.class, () -> context.decode(batch));

        context.close();
        assertDoesNotThrow(context::close);
        assertThrows(IllegalStateException.class, () -> context.newBatch(1));
        assertThrows(IllegalStateException.class, context::memoryClear);
        assertThrows(IllegalStateException.class, () -> context.logits(0));
    }

    @Test
    void aModelOutlivesItsContextsAndRefusesUseOnceClosed() {
        Model second = Model.load(TestModels.fixture(), ModelParams.cpu());
        Context context = second.newContext(ContextParams.of(TestModels.CONTEXT, TestModels.THREADS));

        var refused = assertThrows(IllegalStateException.class, second::close);
        assertTrue(refused.getMessage().contains("1 open context"), refused.getMessage());

        context.close();
        second.close();
        assertThrows(IllegalStateException.class, second::vocab);
        assertThrows(IllegalStateException.class, () -> second.metadata("general.architecture"));
        assertThrows(IllegalStateException.class, () -> second.newContext(ContextParams.of(TestModels.CONTEXT, TestModels.THREADS)));
    }

    @Test
    void parameterRecordsRejectNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new ContextParams(0, 8, 8, 1, 1, FlashAttention.AUTO));
        assertThrows(IllegalArgumentException.class, () -> new ContextParams(256, 8, 16, 1, 1, FlashAttention.AUTO));
        assertThrows(IllegalArgumentException.class, () -> new ContextParams(256, 8, 8, 257, 1, FlashAttention.AUTO));
        assertThrows(IllegalArgumentException.class, () -> new ContextParams(256, 8, 8, 1, 0, FlashAttention.AUTO));
        assertThrows(IllegalArgumentException.class, () -> new ContextParams(256, 8, 8, 1, 1, null));
        assertThrows(IllegalArgumentException.class, () -> new ModelParams(-2, true, false));
        assertThrows(IllegalArgumentException.class, () -> new ChatMessage(" ", "x"));
    }
}
