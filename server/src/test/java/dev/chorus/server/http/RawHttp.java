package dev.chorus.server.http;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One HTTP/1.1 exchange over a plain socket, for what a well-behaved client library cannot send: a body shorter
 * than its {@code Content-Length}, upgrade headers, a connection dropped mid-stream.
 */
final class RawHttp implements AutoCloseable {
    private final Socket socket;
    private final BufferedReader in;

    RawHttp(ChorusServer server) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), server.port());
        socket.setSoTimeout(60_000);
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Sends the request line, the headers (each ending in CRLF) and the body bytes as given. */
    RawHttp send(String requestLine, String headers, byte[] body) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write((requestLine + "\r\nHost: localhost\r\n" + headers + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return this;
    }

    /** Sends a JSON POST with a correct {@code Content-Length}. */
    RawHttp postJson(String path, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        return send("POST " + path + " HTTP/1.1",
                "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n", body);
    }

    /** Half-closes: the server sees the end of the request body. */
    void endOutput() throws IOException {
        socket.shutdownOutput();
    }

    String statusLine() throws IOException {
        return in.readLine();
    }

    /** The next line, or null at the end of the stream. */
    String line() throws IOException {
        return in.readLine();
    }

    /** Skips a {@code Content-Length} body announced in {@code headers} (lower-cased header lines). */
    void skip(List<String> headers) throws IOException {
        for (String header : headers) {
            if (header.startsWith("content-length:")) {
                in.skip(Long.parseLong(header.substring("content-length:".length()).trim()));
            }
        }
    }

    /** After the status line: the headers, then a {@code Content-Length} body (of ASCII text). */
    String body() throws IOException {
        int length = -1;
        for (String line; !(line = in.readLine()).isEmpty(); ) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, "Content-Length:".length())) {
                length = Integer.parseInt(line.substring("Content-Length:".length()).trim());
            }
        }
        if (length < 0) {
            throw new IOException("the response has no Content-Length");
        }
        char[] body = new char[length];
        for (int read = 0; read < length; ) {
            int count = in.read(body, read, length - read);
            if (count < 0) {
                throw new IOException("the body ended after " + read + " of " + length + " characters");
            }
            read += count;
        }
        return new String(body);
    }

    /** Reads lines until one starts with {@code prefix}; returns it. */
    String lineStartingWith(String prefix) throws IOException {
        for (String line; (line = in.readLine()) != null; ) {
            if (line.startsWith(prefix)) {
                return line;
            }
        }
        throw new IOException("the response ended before a line starting with " + prefix);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
