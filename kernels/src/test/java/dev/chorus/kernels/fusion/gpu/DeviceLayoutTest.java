package dev.chorus.kernels.fusion.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chorus.kernels.fusion.FusionMethod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The host's word layouts against the enums and defines of {@code fusion_common.cuh}, which the PTX was built from. */
class DeviceLayoutTest {

    private static final Path HEADER = Path.of("src/main/cuda/fusion_common.cuh");

    @Test
    void parameterAndResultWordsMatchTheCudaHeader() throws IOException {
        String header = Files.readString(HEADER);
        assertWords(enumerators(header, "ParamWord"));
        assertWords(enumerators(header, "ResultWord"));
        List<String> methods = enumerators(header, "Method");
        for (FusionMethod method : FusionMethod.values()) {
            assertEquals("M_" + method.name(), methods.get(method.ordinal()));
        }
    }

    @Test
    void constantsMatchTheCudaHeader() throws IOException {
        Map<String, String> defines = defines(Files.readString(HEADER));
        assertEquals(String.valueOf(DeviceLayout.FUSE_ITEMS), defines.get("FUSE_ITEMS"));
        assertEquals(String.valueOf(DeviceLayout.RADIX_BITS), defines.get("RADIX_BITS"));
        assertEquals(DeviceLayout.NO_TOKEN, Integer.decode(defines.get("NO_TOKEN")));
        assertEquals(DeviceLayout.MASS_SCALE, Double.parseDouble(defines.get("MASS_SCALE")));
    }

    @Test
    void openClOptionsDefineEveryWordAndTheWorkGroupSizes() {
        String options = DeviceLayout.openClDefines(128, 512);
        for (String expected : List.of("-DP_METHOD=0", "-DP_COEFFICIENTS=" + DeviceLayout.P_COEFFICIENTS,
                "-DR_TOP_TOKENS=" + DeviceLayout.R_TOP_TOKENS, "-DM_PROXY=4", "-DFUSE_ITEMS=8", "-DFUSE_THREADS=128",
                "-DSAMPLE_THREADS=512", "-DMASS_SCALE=1099511627776.0")) {
            assertTrue((options + " ").contains(expected + " "), expected + " missing from " + options);
        }
    }

    @Test
    void chunksCoverTheVocabulary() {
        assertEquals(1, DeviceLayout.chunks(1, 256));
        assertEquals(1, DeviceLayout.chunks(2048, 256));
        assertEquals(2, DeviceLayout.chunks(2049, 256));
        assertEquals(63, DeviceLayout.chunks(128_256, 256));
    }

    /** Each enumerator must be the DeviceLayout constant of the same name with its position as value. */
    private static void assertWords(List<String> names) {
        for (int position = 0; position < names.size(); position++) {
            try {
                assertEquals(position, DeviceLayout.class.getField(names.get(position)).getInt(null), names.get(position));
            } catch (ReflectiveOperationException e) {
                throw new AssertionError("DeviceLayout lacks " + names.get(position), e);
            }
        }
    }

    private static List<String> enumerators(String header, String name) {
        Matcher matcher = Pattern.compile("enum " + name + "\\s*\\{([^}]*)}").matcher(header);
        assertTrue(matcher.find(), "enum " + name + " in " + HEADER);
        return Pattern.compile(",").splitAsStream(matcher.group(1)).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    private static Map<String, String> defines(String header) {
        Map<String, String> defines = new LinkedHashMap<>();
        Matcher matcher = Pattern.compile("(?m)^#define (\\w+) (\\S+)").matcher(header);
        while (matcher.find()) {
            defines.put(matcher.group(1), matcher.group(2));
        }
        return defines;
    }
}
