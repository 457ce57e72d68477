package dev.chorus.llama.internal;

import dev.chorus.llama.LlamaException;

/** Turns what a downcall's {@code invokeExact} throws into an unchecked exception. */
final class Invocation {

    private Invocation() {}

    static RuntimeException rethrow(String function, Throwable thrown) {
        if (thrown instanceof RuntimeException runtime) {
            return runtime;
        }
        if (thrown instanceof Error error) {
            throw error;
        }
        return new LlamaException("calling " + function + " failed", thrown);
    }
}
