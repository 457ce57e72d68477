package dev.chorus.llama.rpc;

import dev.chorus.llama.LlamaException;

/** An {@code rpc-server} cannot be used: it does not answer, speaks another protocol, or the model does not fit. */
public class RpcException extends LlamaException {
    private static final long serialVersionUID = 1L;

    public RpcException(String message) {
        super(message);
    }

    public RpcException(String message, Throwable cause) {
        super(message, cause);
    }
}
