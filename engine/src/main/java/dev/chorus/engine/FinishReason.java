package dev.chorus.engine;

/** Why a generation ended. */
public enum FinishReason {
    /** An end-of-generation token or a stop string. */
    STOP,
    /** The request's max tokens, or the slot's context is full. */
    LENGTH,
    /** {@link Generation#cancel()} or engine shutdown. */
    CANCELLED,
    /** A failure in decoding or fusion; {@link Completion#error()} says which. */
    ERROR
}
