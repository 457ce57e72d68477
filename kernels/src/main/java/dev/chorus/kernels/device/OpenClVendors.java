package dev.chorus.kernels.device;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The OpenCL implementations registered with the ICD loader, read from its own configuration rather than by
 * asking it: {@code clGetPlatformIDs} initialises every implementation, and PoCL's initialisation links and starts
 * LLVM (about 45 MiB of resident memory and a tenth of a second), which automatic backend selection need not pay
 * on a machine whose only OpenCL is PoCL on the CPU. Read as the ICD loaders do: {@code OCL_ICD_FILENAMES}
 * (libraries), {@code OCL_ICD_VENDORS} (a folder of {@code .icd} files, or one file), else
 * {@code /etc/OpenCL/vendors}.
 */
final class OpenClVendors {
    private static final Path DEFAULT_FOLDER = Path.of("/etc/OpenCL/vendors");

    private OpenClVendors() {
    }

    /**
     * Why the registered implementations are all PoCL, naming where they were registered; empty when one is not
     * PoCL or none is registered (then asking OpenCL itself costs little and says more).
     */
    static Optional<String> onlyPocl(Map<String, String> environment) {
        List<String> libraries = libraries(environment);
        boolean allPocl = !libraries.isEmpty() && libraries.stream()
                .allMatch(library -> Path.of(library).getFileName().toString().toLowerCase(Locale.ROOT).contains("pocl"));
        return allPocl ? Optional.of("the only OpenCL registered is PoCL (" + String.join(", ", libraries) + ")")
                : Optional.empty();
    }

    private static List<String> libraries(Map<String, String> environment) {
        String filenames = environment.get("OCL_ICD_FILENAMES");
        if (filenames != null && !filenames.isBlank()) {
            return Stream.of(filenames.split(":")).filter(name -> !name.isBlank()).toList();
        }
        String vendors = environment.get("OCL_ICD_VENDORS");
        Path registry = vendors != null && !vendors.isBlank() ? Path.of(vendors) : DEFAULT_FOLDER;
        List<String> libraries = new ArrayList<>();
        try {
            if (Files.isRegularFile(registry)) {
                libraries.add(Files.readString(registry).strip());
            } else if (Files.isDirectory(registry)) {
                try (Stream<Path> files = Files.list(registry)) {
                    for (Path icd : files.filter(file -> file.toString().endsWith(".icd")).sorted().toList()) {
                        libraries.add(Files.readString(icd).strip());
                    }
                }
            }
        } catch (IOException | UncheckedIOException e) {
            return List.of(); // unreadable: let OpenCL itself answer
        }
        return libraries.stream().filter(library -> !library.isEmpty()).toList();
    }
}
