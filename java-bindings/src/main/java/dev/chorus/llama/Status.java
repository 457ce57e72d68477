package dev.chorus.llama;

import dev.chorus.llama.internal.LogBridge;

/** The one place a llama.cpp status return becomes an exception. */
final class Status {

    private Status() {}

    /** For functions where 0 is success ({@code llama_decode}). */
    static void check(int rc, String function) {
        if (rc != 0) {
            throw new LlamaCallException(function, rc, meaning(function, rc));
        }
    }

    /** For functions that return a length, or a negative status on failure. */
    static int checkLength(int length, String function) {
        if (length < 0) {
            check(length, function);
        }
        return length;
    }

    /** The last error llama.cpp logged on this thread, as a message suffix. */
    static String lastLoggedError() {
        String error = LogBridge.lastError();
        return error == null ? "" : " (llama.cpp: " + error.strip() + ")";
    }

    private static String meaning(String function, int rc) {
        String meaning = switch (function) {
            case "llama_decode" -> switch (rc) {
                case 1 -> "no memory slot for the batch; use a smaller batch or a larger context";
                case 2 -> "aborted";
                case -1 -> "invalid batch";
                default -> rc < -1 ? "fatal error" : "";
            };
            case "llama_chat_apply_template" -> rc == -1 ? "llama.cpp does not know this chat template" : "";
            case "llama_tokenize" -> rc == Integer.MIN_VALUE ? "the token count overflows int32" : "";
            default -> "";
        };
        return meaning + lastLoggedError();
    }
}
