package dev.chorus.llama;

/** A llama.cpp function returned a failure status; {@link #function()} and {@link #code()} say which. */
public final class LlamaCallException extends LlamaException {
    private static final long serialVersionUID = 1L;

    private final String function;
    private final int code;

    public LlamaCallException(String function, int code, String meaning) {
        super(function + " failed with status " + code + (meaning.isEmpty() ? "" : ": " + meaning));
        this.function = function;
        this.code = code;
    }

    public String function() {
        return function;
    }

    public int code() {
        return code;
    }
}
