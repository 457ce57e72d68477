package dev.chorus.kernels.fusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Backend discovery and the {@code chorus.kernels.backend} override. */
class LogitFusionsTest {

    private static final FusionShape SHAPE = new FusionShape(2, 1, 100, 0, 0);

    @AfterEach
    void clearOverride() {
        System.clearProperty(LogitFusions.BACKEND_PROPERTY);
    }

    @Test
    void listsEveryBackendFastestFirstWithReasons() {
        List<LogitFusions.Availability> found = LogitFusions.available();
        assertTrue(found.stream().anyMatch(a -> a.backend() == FusionBackend.JAVA && a.available()), found.toString());
        for (int i = 1; i < found.size(); i++) {
            assertTrue(found.get(i - 1).backend().compareTo(found.get(i).backend()) <= 0, found.toString());
        }
        for (LogitFusions.Availability a : found) {
            a.unavailableReason().ifPresent(reason -> assertFalse(reason.isBlank(), a.backend() + " gives no reason"));
        }
    }

    @Test
    void autoOpensTheFastestAvailableBackend() {
        FusionBackend fastest = FusionBackends.available().stream()
                .filter(factory -> factory.notChosenAutomatically().isEmpty())
                .findFirst().orElseThrow().backend();
        System.setProperty(LogitFusions.BACKEND_PROPERTY, "auto");
        try (LogitFusion fusion = LogitFusions.open(SHAPE)) {
            assertEquals(fastest, fusion.backend());
            assertEquals(SHAPE, fusion.shape());
            assertEquals(SHAPE.logitCount() * Float.BYTES, fusion.logits().byteSize());
        }
    }

    @Test
    void thePropertyNamesTheBackend() {
        System.setProperty(LogitFusions.BACKEND_PROPERTY, "Java");
        try (LogitFusion fusion = LogitFusions.open(SHAPE)) {
            assertEquals(FusionBackend.JAVA, fusion.backend());
        }
    }

    @Test
    void anUnknownNameIsAnError() {
        System.setProperty(LogitFusions.BACKEND_PROPERTY, "tpu");
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> LogitFusions.open(SHAPE));
        assertTrue(error.getMessage().contains("tpu"), error.getMessage());
    }

    @Test
    void aNamedUnavailableBackendSaysWhy() {
        for (LogitFusions.Availability a : LogitFusions.available()) {
            a.unavailableReason().ifPresent(reason -> {
                IllegalStateException error = assertThrows(IllegalStateException.class,
                        () -> LogitFusions.open(SHAPE, a.backend()));
                assertTrue(error.getMessage().contains(reason), error.getMessage());
            });
        }
        for (FusionBackend backend : FusionBackend.values()) {
            if (LogitFusions.available().stream().noneMatch(a -> a.backend() == backend)) {
                assertThrows(IllegalStateException.class, () -> LogitFusions.open(SHAPE, backend));
            }
        }
    }
}
