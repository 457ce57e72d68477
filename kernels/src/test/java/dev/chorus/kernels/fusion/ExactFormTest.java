package dev.chorus.kernels.fusion;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Which rules {@link FusionRule#exactForm()} rewrites; the end-to-end exactness is ReferencePerplexityTest's. */
class ExactFormTest {
    @Test
    void aSingleActiveMemberPassesThroughAsLinear() {
        assertEquals(FusionMethod.LINEAR, FusionRule.of(FusionMethod.LOG_LINEAR, 0f, 1f).exactForm().method());
        assertEquals(FusionMethod.LINEAR, FusionRule.of(FusionMethod.MAX, 0.3f, 0f).exactForm().method());
    }

    @Test
    void everyOtherRuleIsKept() {
        FusionRule scaled = FusionRule.of(FusionMethod.LOG_LINEAR, 0f, 2f);  // 2·lp renormalised is another distribution
        FusionRule pooled = FusionRule.of(FusionMethod.LOG_LINEAR, 0.5f, 0.5f);
        FusionRule proxy = FusionRule.of(FusionMethod.PROXY, 1f, 0f);       // logits, not log-probs: not a pass-through
        assertSame(scaled, scaled.exactForm());
        assertSame(pooled, pooled.exactForm());
        assertSame(proxy, proxy.exactForm());
    }
}
