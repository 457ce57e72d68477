package dev.chorus.llama.rpc;

/** Where an {@code rpc-server} listens: {@code host:port}, as a config's {@code rpc:} list names it. */
public record RpcEndpoint(String host, int port) {

    public RpcEndpoint {
        if (host == null || host.isBlank() || host.chars().anyMatch(c -> Character.isWhitespace(c) || c == ':')) {
            throw new IllegalArgumentException("an rpc-server host must be a name or IPv4 address, got '" + host + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("an rpc-server port must be 1 to 65535, got " + port);
        }
    }

    /** Parses {@code host:port}. */
    public static RpcEndpoint parse(String text) {
        int colon = text == null ? -1 : text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("an rpc-server is named host:port (e.g. 192.168.1.20:50052), got '" + text + "'");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the port of rpc-server '" + text + "' is not a number");
        }
        return new RpcEndpoint(text.substring(0, colon), port);
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
