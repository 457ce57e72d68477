package dev.chorus.server.http;

import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Notices that the client of a non-streamed request has closed its connection while the answer is still being
 * generated. The JDK's HTTP server reads nothing more from a connection once the request body is in, and writes
 * nothing before the answer, so the loss would show only when the answer is written — minutes later under load,
 * with a slot held all along. Linux tells without touching the socket: once the peer has closed, the server's side of
 * the connection is in state {@code CLOSE_WAIT} in {@code /proc/net/tcp} (or {@code tcp6}). Checks are at most every
 * {@value #CHECK_MILLIS} ms; where procfs is unreadable the watch sees nothing and the loss shows at the write, as before.
 */
final class ClientConnection {
    static final long CHECK_MILLIS = 50;
    private static final long CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(CHECK_MILLIS);
    private static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));
    /** {@code TCP_CLOSE_WAIT} in include/net/tcp_states.h, as procfs prints it. */
    private static final String CLOSE_WAIT = "08";

    private final List<String> local;
    private final List<String> remote;
    private long checkedAt = System.nanoTime();

    private ClientConnection(List<String> local, List<String> remote) {
        this.local = local;
        this.remote = remote;
    }

    static ClientConnection of(HttpExchange exchange) {
        return new ClientConnection(procAddresses(exchange.getLocalAddress()), procAddresses(exchange.getRemoteAddress()));
    }

    /**
     * Throws when the client has closed the connection; checks at most every {@value #CHECK_MILLIS} ms.
     *
     * @throws IOException the client went away
     */
    void check() throws IOException {
        long now = System.nanoTime();
        if (now - checkedAt < CHECK_NANOS) {
            return;
        }
        checkedAt = now;
        if (closedByClient()) {
            throw new IOException("the client closed its connection before the answer was ready");
        }
    }

    private boolean closedByClient() {
        for (Path table : TABLES) {
            List<String> rows;
            try {
                rows = Files.readAllLines(table);
            } catch (IOException | RuntimeException unreadable) {
                continue;
            }
            for (String row : rows) {
                String[] fields = row.trim().split("\\s+");
                if (fields.length > 3 && local.contains(fields[1]) && remote.contains(fields[2])) {
                    return fields[3].equals(CLOSE_WAIT);
                }
            }
        }
        return false;
    }

    /**
     * An address as procfs prints it: each 32-bit word of the address in host (little-endian) byte order, in hex, then
     * the port. An IPv4 client of a dual-stack socket shows in {@code tcp6} as {@code ::ffff:a.b.c.d}, so both forms.
     */
    static List<String> procAddresses(InetSocketAddress address) {
        byte[] bytes = address.getAddress().getAddress();
        String port = String.format(Locale.ROOT, ":%04X", address.getPort());
        if (bytes.length == 16) {
            return List.of(words(bytes) + port);
        }
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(bytes, 0, mapped, 12, 4);
        return List.of(words(bytes) + port, words(mapped) + port);
    }

    private static String words(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        for (int word = 0; word < bytes.length; word += 4) {
            for (int i = 3; i >= 0; i--) {
                out.append(HexFormat.of().withUpperCase().toHexDigits(bytes[word + i]));
            }
        }
        return out.toString();
    }
}
