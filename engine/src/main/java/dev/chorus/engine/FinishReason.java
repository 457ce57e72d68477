package dev.chorus.engine;

import dev.chorus.llama.rpc.RpcServerLostException;

/** Why a generation ended. */
public enum FinishReason {
    /** An end-of-generation token or a stop string. */
    STOP,
    /** The request's max tokens, or the slot's context is full. */
    LENGTH,
    /** {@link Generation#cancel()} or engine shutdown. */
    CANCELLED,
    /** A failure in decoding or fusion; {@link Completion#error()} says which. */
    ERROR,
    /**
     * A device a member runs on is gone (an rpc-server died or cannot be reached): the collaboration cannot serve
     * until its model is loaded again; {@link Completion#error()} names the server. HTTP 503.
     */
    UNAVAILABLE;

    /** How a generation that failed with {@code failure} ends. */
    static FinishReason failedWith(Throwable failure) {
        return failure instanceof RpcServerLostException ? UNAVAILABLE : ERROR;
    }
}
