package dev.chorus.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What hostile clients send at the HTTP layer: conflicting or malformed lengths, oversize headers, slow-loris
 * trickles, a body far over the limit, a huge echoed value. Each is refused or cut off, and the server keeps
 * answering. The JDK server's limits come from this module's surefire settings (a 3 s read timeout).
 */
@Timeout(120)
class HttpEdgesTest {
    private static final String CHAT = "/v1/chat/completions";
    private static final String BODY = """
            {"model": "base", "messages": [{"role": "user", "content": "In the beginning"}], "max_tokens": 2}""";
    private static final int SLOW_CLIENTS = 40;
    private static ServedEngine served;
    private static ChorusServer server;
    private static HttpProbe http;

    @BeforeAll
    static void start(@TempDir Path folder) {
        served = ServedEngine.start(folder, """
                models:
                  base: { path: {BASE}, threads: 1, context: 64, slots: 2 }
                """, ServedEngine.loopback().withMaxBodyBytes(8 * 1024));
        server = served.server(0);
        http = new HttpProbe(server);
    }

    @AfterAll
    static void stop() {
        if (served != null) {
            served.close();
        }
    }

    @Test
    void conflictingOrMalformedLengthsAre400AndTheServerGoesOn() throws IOException {
        for (String headers : List.of("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
                "Content-Length: abc\r\n", "Content-Length: -5\r\n", "Content-Length: 5\r\nContent-Length: 6\r\n")) {
            try (RawHttp raw = new RawHttp(server)) {
                raw.send("POST " + CHAT + " HTTP/1.1", "Content-Type: application/json\r\n" + headers, new byte[0]);
                assertEquals("HTTP/1.1 400 Bad Request", raw.statusLine(), headers);
            }
        }
        assertEquals(200, http.post(CHAT, BODY).statusCode());
    }

    @Test
    void oversizeHeadersCloseTheConnectionAndTheServerGoesOn() throws IOException {
        try (RawHttp raw = new RawHttp(server)) {
            raw.send("GET /health HTTP/1.1", "X-Padding: " + "x".repeat(100_000) + "\r\n", new byte[0]);
            assertEquals(null, raw.statusLine());
        } catch (SocketException reset) {
            // closed while the headers were still being written: the same refusal
        }
        assertEquals(200, http.get("/health").statusCode());
    }

    @Test
    void aBodyOverTheLimitIs413AndClosesTheConnection() throws IOException {
        try (RawHttp raw = new RawHttp(server)) {
            raw.send("POST " + CHAT + " HTTP/1.1", "Content-Type: application/json\r\nContent-Length: 100000000\r\n",
                    "{\"model\": ".getBytes(StandardCharsets.US_ASCII));
            assertEquals("HTTP/1.1 413 Request Entity Too Large", raw.statusLine());
            List<String> headers = new ArrayList<>();
            for (String line; !(line = raw.line()).isEmpty(); ) {
                headers.add(line.toLowerCase());
            }
            assertTrue(headers.contains("connection: close"), headers.toString());
            raw.skip(headers);
            assertEquals(null, raw.line(), "the server closed the connection");
        }
    }

    @Test
    void anEchoedModelNameIsTruncated() {
        String name = "m".repeat(6000);
        JsonNode error = HttpProbe.assertError(http.post(CHAT, BODY.replace("\"base\"", "\"" + name + "\"")), 404,
                "model", "model_not_found");
        String message = error.get("message").asText();
        assertTrue(message.length() < 200 && message.contains("(6000 characters)"), message);
    }

    /** Connections that trickle a request byte by byte are closed once the read timeout passes. */
    @Test
    void slowLorisConnectionsAreCut() throws Exception {
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < SLOW_CLIENTS; i++) {
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port());
                socket.setSoTimeout(200);
                socket.getOutputStream().write(("POST " + CHAT + " HTTP/1.1\r\nHost: x\r\n").getBytes(
                        StandardCharsets.US_ASCII));
                slow.add(socket);
            }
            long deadline = System.nanoTime() + 15_000_000_000L;
            int open = slow.size();
            while (open > 0 && System.nanoTime() < deadline) {
                open = 0;
                for (Socket socket : slow) {
                    if (!socket.isClosed() && stillOpen(socket)) {
                        open++;
                    }
                }
                assertEquals(200, http.get("/health").statusCode(), "the server answers while they trickle");
            }
            assertEquals(0, open, "trickling connections still open after 15 s");
        } finally {
            for (Socket socket : slow) {
                socket.close();
            }
        }
    }

    /** Sends one more header byte; false once the server has closed the connection. */
    private static boolean stillOpen(Socket socket) {
        try {
            OutputStream out = socket.getOutputStream();
            out.write('X');
            out.flush();
            InputStream in = socket.getInputStream();
            try {
                if (in.read() < 0) {
                    socket.close();
                    return false;
                }
            } catch (SocketTimeoutException quiet) {
                return true;
            }
            return true;
        } catch (IOException closed) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closed already
            }
            return false;
        }
    }
}
