package dev.chorus.llama.internal;

import static dev.chorus.llama.internal.NativeTypes.C_INT;
import static dev.chorus.llama.internal.NativeTypes.C_POINTER;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;

/**
 * Routes llama.cpp's and ggml's log lines into the {@link System.Logger} named {@code llama.cpp}.
 * llama.cpp logs from whatever thread does the work and sends a line in pieces ({@code
 * GGML_LOG_LEVEL_CONT} continues the previous piece), so each thread gathers its pieces until a
 * newline. Levels: ggml DEBUG → TRACE, INFO → DEBUG (llama.cpp's INFO is load-time detail),
 * WARN → WARNING, ERROR → ERROR. The last ERROR line of each thread is kept for exception messages.
 */
public final class LogBridge {

    /** {@code enum ggml_log_level}. */
    private static final int GGML_LOG_LEVEL_DEBUG = 1;
    private static final int GGML_LOG_LEVEL_INFO = 2;
    private static final int GGML_LOG_LEVEL_WARN = 3;
    private static final int GGML_LOG_LEVEL_ERROR = 4;
    private static final int GGML_LOG_LEVEL_CONT = 5;

    private static final Logger LOGGER = System.getLogger("llama.cpp");
    private static final ThreadLocal<PendingLine> PENDING = ThreadLocal.withInitial(PendingLine::new);
    private static final ThreadLocal<String> LAST_ERROR = new ThreadLocal<>();
    private static final ThreadLocal<List<String>> CAPTURED = new ThreadLocal<>();

    private LogBridge() {}

    /**
     * Installs the bridge with {@code llama_log_set}, which also sets ggml's logger. The stub lives
     * in the global arena: llama.cpp may call it at any time until the process ends.
     */
    public static void install() {
        try {
            var target = MethodHandles.lookup().findStatic(LogBridge.class, "log",
                    MethodType.methodType(void.class, int.class, MemorySegment.class, MemorySegment.class));
            // void (*ggml_log_callback)(enum ggml_log_level level, const char * text, void * user_data);
            MemorySegment stub = Linker.nativeLinker().upcallStub(target,
                    FunctionDescriptor.ofVoid(C_INT, C_POINTER, C_POINTER), Arena.global());
            LlamaCore.llama_log_set(stub, MemorySegment.NULL);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("LogBridge.log must exist", e);
        }
    }

    /** The last ERROR line llama.cpp logged on this thread since {@link #clearLastError()}, or null. */
    public static String lastError() {
        return LAST_ERROR.get();
    }

    public static void clearLastError() {
        LAST_ERROR.remove();
    }

    /**
     * Runs {@code call} and returns every line llama.cpp logged on this thread meanwhile, at any level (for facts it
     * only logs, such as a new context's KV cache size).
     */
    public static List<String> linesDuring(Runnable call) {
        List<String> lines = new ArrayList<>();
        CAPTURED.set(lines);
        try {
            call.run();
        } finally {
            CAPTURED.remove();
        }
        return lines;
    }

    /** The upcall. It must never throw: an exception escaping an upcall ends the JVM. */
    private static void log(int level, MemorySegment text, MemorySegment userData) {
        try {
            PendingLine line = PENDING.get();
            line.append(level, NativeTypes.string(text));
            String complete;
            while ((complete = line.takeLine()) != null) {
                emit(line.level, complete);
            }
        } catch (Throwable ignored) {
            // Losing a log line is better than crashing the process from a native thread.
        }
    }

    private static void emit(int level, String message) {
        if (message.isBlank()) {
            return;
        }
        if (level == GGML_LOG_LEVEL_ERROR) {
            LAST_ERROR.set(message);
        }
        List<String> captured = CAPTURED.get();
        if (captured != null) {
            captured.add(message);
        }
        Level mapped = switch (level) {
            case GGML_LOG_LEVEL_DEBUG -> Level.TRACE;
            case GGML_LOG_LEVEL_INFO -> Level.DEBUG;
            case GGML_LOG_LEVEL_WARN -> Level.WARNING;
            case GGML_LOG_LEVEL_ERROR -> Level.ERROR;
            default -> Level.INFO;
        };
        if (LOGGER.isLoggable(mapped)) {
            LOGGER.log(mapped, message);
        }
    }

    /** The pieces of one line on one thread, and the level of its first piece. */
    private static final class PendingLine {
        private final StringBuilder text = new StringBuilder();
        private int level = GGML_LOG_LEVEL_INFO;

        void append(int pieceLevel, String piece) {
            if (piece == null) {
                return;
            }
            if (pieceLevel != GGML_LOG_LEVEL_CONT && text.isEmpty()) {
                level = pieceLevel;
            }
            text.append(piece);
        }

        String takeLine() {
            int newline = text.indexOf("\n");
            if (newline < 0) {
                return null;
            }
            String line = text.substring(0, newline);
            text.delete(0, newline + 1);
            return line;
        }
    }
}
