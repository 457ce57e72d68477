package dev.chorus.llama;

import dev.chorus.llama.internal.LlamaCore;
import dev.chorus.llama.internal.LlamaLibrary;
import dev.chorus.llama.internal.LogBridge;
import dev.chorus.llama.internal.NativeTypes;
import dev.chorus.natives.LlamaBuild;
import dev.chorus.natives.NativeBuilds;
import java.lang.foreign.Arena;
import java.nio.file.Path;

/**
 * llama.cpp in this process, initialised once: the library is located
 * ({@code -Dchorus.llama.dir}, {@code CHORUS_LLAMA_DIR}, the build for this CPU or the bundled npm build; the log says which), its version
 * checked, its log routed to {@link System.Logger} {@code llama.cpp}, its backends loaded from the
 * library folder ({@code ggml_backend_load_all_from_path}, which the CPU build needs to pick its
 * CPU variant) and {@code llama_backend_init} called. {@code llama_backend_free} is never called:
 * models may be in use on other threads until the process exits, and it frees nothing on CPU or CUDA.
 */
public final class Llama {

    private static volatile Llama instance;

    private static final System.Logger LOG = System.getLogger(Llama.class.getName());

    private final LlamaLibrary library;

    private Llama(LlamaLibrary library) {
        this.library = library;
    }

    /** Initialises llama.cpp on first call (thread-safe) and returns it. */
    public static Llama init() {
        Llama initialised = instance;
        if (initialised == null) {
            synchronized (Llama.class) {
                initialised = instance;
                if (initialised == null) {
                    initialised = start();
                    instance = initialised;
                }
            }
        }
        return initialised;
    }

    private static Llama start() {
        LlamaLibrary library = LlamaLibrary.process();
        LogBridge.install();
        LOG.log(System.Logger.Level.INFO, "llama.cpp v{0}: {1} in {2}{3}", library.version(), library.kind().description(),
                library.folder(), library.kind() == LlamaBuild.Kind.BUNDLED && NativeBuilds.canBuild()
                        ? "; `chorus build-native` builds one for this CPU (faster, with RPC)" : "");
        try (Arena call = Arena.ofConfined()) {
            LlamaCore.ggml_backend_load_all_from_path(call.allocateFrom(library.folder().toString()));
        }
        LlamaCore.llama_backend_init();
        return new Llama(library);
    }

    /** The version llama.cpp reports, e.g. {@code 0.5.0}. */
    public String version() {
        return library.version();
    }

    /** Where the loaded build came from. */
    public LlamaBuild.Kind buildKind() {
        return library.kind();
    }

    /** The folder the libraries were loaded from. */
    public Path libraryFolder() {
        return library.folder();
    }

    /** llama.cpp's description of the CPU features and backends it uses. */
    public String systemInfo() {
        return NativeTypes.string(LlamaCore.llama_print_system_info());
    }
}
