package dev.chorus.kernels.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which OpenCL implementations the ICD loader would load, read from its registry as the loaders do. */
class OpenClVendorsTest {

    @TempDir
    Path vendors;

    @Test
    void aRegistryOfOnlyPoclIsNamed() throws IOException {
        Files.writeString(vendors.resolve("pocl.icd"), "libpocl.so.2.10.0\n");
        Optional<String> reason = OpenClVendors.onlyPocl(Map.of("OCL_ICD_VENDORS", vendors.toString()));
        assertEquals(Optional.of("the only OpenCL registered is PoCL (libpocl.so.2.10.0)"), reason);
    }

    @Test
    void anotherImplementationBesidePoclIsAskedAbout() throws IOException {
        Files.writeString(vendors.resolve("pocl.icd"), "libpocl.so.2\n");
        Files.writeString(vendors.resolve("nvidia.icd"), "libnvidia-opencl.so.1\n");
        assertTrue(OpenClVendors.onlyPocl(Map.of("OCL_ICD_VENDORS", vendors.toString())).isEmpty());
    }

    @Test
    void oneIcdFileAndExplicitLibrariesAreReadLikeTheLoaders() throws IOException {
        Path icd = Files.writeString(vendors.resolve("only.icd"), "/opt/pocl/lib/libpocl.so\n");
        assertTrue(OpenClVendors.onlyPocl(Map.of("OCL_ICD_VENDORS", icd.toString())).isPresent());
        // OCL_ICD_FILENAMES names the libraries themselves and wins over any registry.
        assertTrue(OpenClVendors.onlyPocl(Map.of("OCL_ICD_FILENAMES", "libpocl.so.2:libamdocl64.so",
                "OCL_ICD_VENDORS", icd.toString())).isEmpty());
        assertTrue(OpenClVendors.onlyPocl(Map.of("OCL_ICD_FILENAMES", "/usr/lib/libpocl.so.2")).isPresent());
    }

    @Test
    void noRegistrationLeavesTheAnswerToOpenCl() throws IOException {
        assertTrue(OpenClVendors.onlyPocl(Map.of("OCL_ICD_VENDORS", vendors.toString())).isEmpty());
        Files.writeString(vendors.resolve("notes.txt"), "libpocl.so.2\n");
        assertTrue(OpenClVendors.onlyPocl(Map.of("OCL_ICD_VENDORS", vendors.toString())).isEmpty());
        assertTrue(OpenClVendors.onlyPocl(Map.of("OCL_ICD_VENDORS", vendors.resolve("missing").toString())).isEmpty());
    }
}
