package dev.chorus.gguf;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GgmlTypeTest {

    @Test
    void idsMatchGgml() {
        assertEquals(0, GgmlType.F32.id());
        assertEquals(8, GgmlType.Q8_0.id());
        assertEquals(14, GgmlType.Q6_K.id());
        assertEquals(30, GgmlType.BF16.id());
        assertEquals(42, GgmlType.Q2_0.id());
        for (GgmlType type : GgmlType.values()) {
            assertSame(type, GgmlType.byId(type.id()));
        }
    }

    @Test
    void removedAndOutOfRangeIdsAreUnknown() {
        for (int id : new int[] {-1, 4, 5, 31, 32, 33, 36, 37, 38, 43, Integer.MAX_VALUE}) {
            assertNull(GgmlType.byId(id), "id " + id);
        }
    }

    @Test
    void blockGeometryMatchesGgmlStructs() {
        assertEquals(34, GgmlType.Q8_0.typeSize());
        assertEquals(18, GgmlType.Q4_0.typeSize());
        assertEquals(144, GgmlType.Q4_K.typeSize());
        assertEquals(176, GgmlType.Q5_K.typeSize());
        assertEquals(210, GgmlType.Q6_K.typeSize());
        assertEquals(292, GgmlType.Q8_K.typeSize());
        assertEquals(256, GgmlType.Q4_K.blockSize());
    }

    @Test
    void byteSizeForCountsWholeBlocks() {
        assertEquals(4 * 1025, GgmlType.F32.byteSizeFor(1025));
        assertEquals(34 * 3, GgmlType.Q8_0.byteSizeFor(96));
        assertEquals(0, GgmlType.Q6_K.byteSizeFor(0));
    }

    @Test
    void byteSizeForRejectsPartialBlocksNegativesAndOverflow() {
        var partial = assertThrows(IllegalArgumentException.class, () -> GgmlType.Q4_0.byteSizeFor(33));
        assertTrue(partial.getMessage().contains("multiple of the block size 32"), partial.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GgmlType.F16.byteSizeFor(-2));
        var overflow = assertThrows(IllegalArgumentException.class, () -> GgmlType.F64.byteSizeFor(Long.MAX_VALUE / 4));
        assertTrue(overflow.getMessage().contains("overflows"), overflow.getMessage());
    }
}
