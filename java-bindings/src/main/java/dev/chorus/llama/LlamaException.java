package dev.chorus.llama;

/** llama.cpp cannot be loaded or refused a request; the message names what and where. */
public class LlamaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LlamaException(String message) {
        super(message);
    }

    public LlamaException(String message, Throwable cause) {
        super(message, cause);
    }
}
