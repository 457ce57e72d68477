package dev.chorus.llama.internal;

import dev.chorus.llama.LlamaException;
import dev.chorus.natives.LlamaBuild;
import dev.chorus.natives.LlamaLibraries;
import dev.chorus.natives.NativeLibraryException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * The opened {@code libllama} and {@code libggml} of one llama.cpp build. Opening checks the
 * version first, through {@code llama_version()} (no arguments, no structs), so that no by-value
 * struct call ever reaches a library whose layouts may differ from ours.
 */
public final class LlamaLibrary {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final FunctionDescriptor VERSION_DESCRIPTOR = FunctionDescriptor.of(NativeTypes.C_POINTER);
    private static volatile LlamaLibrary process;

    private final LlamaBuild build;
    private final String version;
    private final SymbolLookup llama;
    private final SymbolLookup ggml;

    private LlamaLibrary(LlamaBuild build, String version, SymbolLookup llama, SymbolLookup ggml) {
        this.build = build;
        this.version = version;
        this.llama = llama;
        this.ggml = ggml;
    }

    /** The process's library, from {@link LlamaLibraries#locate()}, opened on first use. */
    public static LlamaLibrary process() {
        LlamaLibrary opened = process;
        if (opened == null) {
            synchronized (LlamaLibrary.class) {
                opened = process;
                if (opened == null) {
                    opened = open(locate(), Arena.global());
                    process = opened;
                }
            }
        }
        return opened;
    }

    /**
     * Opens the build's libraries in {@code arena} (which keeps them loaded) and refuses any other
     * llama.cpp version than {@link LlamaLibraries#VERSION}.
     */
    public static LlamaLibrary open(LlamaBuild build, Arena arena) {
        SymbolLookup llama = load(build.llama(), build.folder(), arena);
        MemorySegment versionSymbol = llama.find("llama_version").orElseThrow(() -> new LlamaException(
                build.llama() + " has no llama_version symbol, so it is not llama.cpp v" + LlamaLibraries.VERSION
                        + "; point -D" + LlamaLibraries.DIR_PROPERTY + " at a v" + LlamaLibraries.VERSION + " build"));
        String version = callVersion(versionSymbol);
        if (!isSupported(version)) {
            throw new LlamaException("the llama.cpp in " + build.folder() + " is version " + version
                    + ", Chorus needs v" + LlamaLibraries.VERSION + "; point -D" + LlamaLibraries.DIR_PROPERTY
                    + " at a v" + LlamaLibraries.VERSION + " build");
        }
        return new LlamaLibrary(build, version, llama, load(build.ggml(), build.folder(), arena));
    }

    public Path folder() {
        return build.folder();
    }

    /** Where the build came from: configured, built for this CPU, or the npm prebuilt. */
    public LlamaBuild.Kind kind() {
        return build.kind();
    }

    public String version() {
        return version;
    }

    /** A downcall to a {@code libllama} function, for a holder's {@code HANDLE}. */
    static MethodHandle llama(String name, FunctionDescriptor descriptor) {
        LlamaLibrary library = process();
        return library.downcall(library.llama, name, descriptor);
    }

    /** A downcall to a {@code libggml} function, for a holder's {@code HANDLE}. */
    static MethodHandle ggml(String name, FunctionDescriptor descriptor) {
        LlamaLibrary library = process();
        return library.downcall(library.ggml, name, descriptor);
    }

    private MethodHandle downcall(SymbolLookup lookup, String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = lookup.find(name).orElseThrow(() -> new LlamaException(
                "the llama.cpp v" + version + " in " + build.folder() + " does not export " + name));
        return LINKER.downcallHandle(symbol, descriptor);
    }

    static boolean isSupported(String version) {
        // Source builds report "0.5.0-dev"; the npm release reports "0.5.0".
        return version != null && (version.equals(LlamaLibraries.VERSION) || version.startsWith(LlamaLibraries.VERSION + "-"));
    }

    private static LlamaBuild locate() {
        try {
            return LlamaLibraries.locate();
        } catch (NativeLibraryException e) {
            throw new LlamaException(e.getMessage(), e);
        }
    }

    private static SymbolLookup load(Path library, Path folder, Arena arena) {
        try {
            return SymbolLookup.libraryLookup(library, arena);
        } catch (IllegalArgumentException e) {
            throw new LlamaException("cannot load " + library.getFileName() + " from " + folder + ": " + e.getMessage(), e);
        }
    }

    private static String callVersion(MemorySegment symbol) {
        try {
            return NativeTypes.string((MemorySegment) LINKER.downcallHandle(symbol, VERSION_DESCRIPTOR).invokeExact());
        } catch (Throwable t) {
            throw Invocation.rethrow("llama_version", t);
        }
    }
}
