package dev.chorus.natives;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What it takes to start a child JVM on the code this one runs, whether this JVM uses the module path or the class
 * path: the child runs on the class path (module descriptors are ignored there; {@code META-INF/services} lists the
 * same services). Here because every module that starts one (the engine's model probe, tests) reads this one.
 */
public final class ChildJvm {
    private ChildJvm() {
    }

    /**
     * A class path for a child JVM that runs {@code main}: this JVM's module path (where Surefire puts the module
     * under test and what it requires), its class path, and the folder or jar {@code main} was loaded from (test
     * classes are patched into the module, so they are on neither).
     */
    public static String classPath(Class<?> main) {
        List<String> entries = new ArrayList<>();
        for (String property : List.of("jdk.module.path", "java.class.path")) {
            String value = System.getProperty(property);
            if (value != null && !value.isEmpty()) {
                entries.add(value);
            }
        }
        try {
            entries.add(Path.of(main.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("no location for " + main, e);
        }
        return String.join(File.pathSeparator, entries);
    }

    /** The {@code java} launcher of this JVM. */
    public static Path java() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }
}
