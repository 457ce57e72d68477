package dev.chorus.llama.rpc;

/**
 * An {@code rpc-server} a model's layers run on stopped answering (it died, or the network went):
 * the model's weights there are gone, so the model cannot decode until it is loaded again. A
 * service-unavailable condition (HTTP 503), not a fault of the request.
 */
public final class RpcServerLostException extends RpcException {
    private static final long serialVersionUID = 1L;

    public RpcServerLostException(String message) {
        super(message);
    }
}
