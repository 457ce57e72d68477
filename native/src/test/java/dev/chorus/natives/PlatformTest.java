package dev.chorus.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PlatformTest {

    @Test
    void normalisesJvmNames() {
        assertEquals("linux-x86_64", Platform.of("Linux", "amd64").id());
        assertEquals("linux-aarch64", Platform.of("Linux", "aarch64").id());
        assertEquals("macos-aarch64", Platform.of("Mac OS X", "aarch64").id());
        assertEquals("windows-x86_64", Platform.of("Windows 11", "x86_64").id());
    }

    @Test
    void rejectsBlankNames() {
        assertThrows(IllegalArgumentException.class, () -> new Platform("linux", " "));
    }
}
