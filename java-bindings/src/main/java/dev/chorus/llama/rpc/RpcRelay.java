package dev.chorus.llama.rpc;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A loopback relay between llama.cpp's RPC client and one remote {@code rpc-server}, so that a server
 * that dies cannot take the JVM with it. llama.cpp's client aborts the process on any failed RPC
 * ({@code GGML_ABORT("Remote RPC server crashed...")}), so it never talks to the remote itself: it
 * connects to this relay on 127.0.0.1, and the relay forwards each command and its answer. When the
 * remote fails (the connection closes or breaks, or an answer takes longer than the timeout) the relay
 * records why, and from then on answers every command itself with a placeholder of the expected size
 * ({@link RpcProtocol#placeholderResponse}), so the decode in progress returns; {@link #failure()} then
 * tells the caller that its results are garbage and the model is lost. It also counts the bytes each way.
 */
public final class RpcRelay implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(RpcRelay.class.getName());
    /** Small requests are read whole; larger ones (tensor data, graphs) stream through in chunks. */
    private static final int SMALL_REQUEST = 64 * 1024;
    private static final int CHUNK = 256 * 1024;

    private final RpcEndpoint remote;
    private final Duration answerTimeout;
    private final ServerSocket listener;
    private final AtomicReference<String> failure = new AtomicReference<>();
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong bytesReceived = new AtomicLong();
    private final ConcurrentLinkedQueue<Session> sessions = new ConcurrentLinkedQueue<>();
    private final ScheduledExecutorService watchdog;

    private RpcRelay(RpcEndpoint remote, Duration answerTimeout, ServerSocket listener) {
        this.remote = remote;
        this.answerTimeout = answerTimeout;
        this.listener = listener;
        this.watchdog = Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("chorus-rpc-watchdog-" + remote).factory());
        watchdog.scheduleWithFixedDelay(this::checkAnswerTimes, 200, 200, TimeUnit.MILLISECONDS);
        Thread.ofVirtual().name("chorus-rpc-relay-" + remote).start(this::accept);
    }

    /**
     * Starts a relay to {@code remote} on an ephemeral loopback port.
     *
     * @param answerTimeout how long a command may wait for its answer before the remote counts as lost
     */
    public static RpcRelay start(RpcEndpoint remote, Duration answerTimeout) {
        try {
            ServerSocket listener = new ServerSocket();
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return new RpcRelay(remote, answerTimeout, listener);
        } catch (IOException e) {
            throw new RpcException("cannot open a loopback port to relay rpc-server " + remote + ": " + e.getMessage(), e);
        }
    }

    /** The {@code host:port} to give llama.cpp. */
    public String localEndpoint() {
        return listener.getInetAddress().getHostAddress() + ":" + listener.getLocalPort();
    }

    public RpcEndpoint remote() {
        return remote;
    }

    /** Why the remote was lost, once it was. */
    public Optional<String> failure() {
        return Optional.ofNullable(failure.get());
    }

    /** Bytes sent to the remote so far (commands and their payloads). */
    public long bytesSent() {
        return bytesSent.get();
    }

    /** Bytes received from the remote so far (answers). */
    public long bytesReceived() {
        return bytesReceived.get();
    }

    /**
     * Stops accepting connections. Open sessions end when llama.cpp closes them (when the model is freed):
     * closing them under it would abort the process.
     */
    @Override
    public void close() {
        watchdog.shutdownNow();
        try {
            listener.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing the relay to " + remote, e);
        }
    }

    private void fail(String reason) {
        if (failure.compareAndSet(null, reason)) {
            LOG.log(System.Logger.Level.ERROR, "rpc-server {0} lost: {1}", remote, reason);
        }
        sessions.forEach(session -> session.lose(reason));
    }

    private void accept() {
        while (!listener.isClosed()) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return;  // closed
            }
            Session session = new Session(client);
            sessions.add(session);
            Thread.ofVirtual().name("chorus-rpc-requests-" + remote).start(session::relayRequests);
        }
    }

    private void checkAnswerTimes() {
        long now = System.nanoTime();
        for (Session session : sessions) {
            long since = session.oldestWaitStart();
            if (since != 0 && now - since > answerTimeout.toNanos()) {
                fail("no answer within " + answerTimeout.toSeconds() + " s");
            }
        }
    }

    /** One connection of llama.cpp's client, and the connection to the remote that serves it. */
    private final class Session {
        private final Socket client;
        private final OutputStream toClient;
        private final Object lock = new Object();
        /** Commands sent to the remote and not answered yet: their command byte, answer size and start. */
        private final ArrayDeque<long[]> waiting = new ArrayDeque<>();
        private Socket upstream;
        private OutputStream toRemote;
        private boolean lost;

        Session(Socket client) {
            this.client = client;
            OutputStream out;
            try {
                client.setTcpNoDelay(true);
                out = new BufferedOutputStream(client.getOutputStream(), CHUNK);
            } catch (IOException e) {
                out = OutputStream.nullOutputStream();
            }
            this.toClient = out;
        }

        long oldestWaitStart() {
            synchronized (lock) {
                long[] oldest = waiting.peek();
                return oldest == null ? 0 : oldest[2];
            }
        }

        void relayRequests() {
            try (client) {
                connectUpstream();
                DataInputStream in = new DataInputStream(new BufferedInputStream(client.getInputStream(), CHUNK));
                while (true) {
                    int command = in.read();
                    if (command < 0) {
                        return;  // llama.cpp closed the connection
                    }
                    long size = Long.reverseBytes(in.readLong());
                    if (!RpcProtocol.isKnown(command) || size < 0) {
                        // Not our protocol: nothing sensible can be answered; the handshake rules this out.
                        fail("llama.cpp sent an unknown RPC " + RpcProtocol.name(command));
                        return;
                    }
                    relay(command, size, in);
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "relay session to " + remote + " ended", e);
            } finally {
                sessions.remove(this);
                closeUpstream();
            }
        }

        private void relay(int command, long size, DataInputStream in) throws IOException {
            byte[] payload = null;
            if (size <= SMALL_REQUEST || RpcProtocol.needsPayload(command)) {
                payload = new byte[Math.toIntExact(size)];
                in.readFully(payload);
                if (command == RpcProtocol.HELLO && payload.length == RpcProtocol.CAPS_SIZE) {
                    Arrays.fill(payload, (byte) 0);  // no transport upgrade (RDMA) past the relay
                }
            }
            long answer = RpcProtocol.responseSize(command, payload);
            if (!forward(command, size, payload, answer, in) && answer != RpcProtocol.NO_RESPONSE) {
                answerWithPlaceholder(command, answer);
            }
        }

        /**
         * Sends the command on, or reads and drops its payload when the remote is lost. Returns whether the
         * command was taken while the remote was there: its answer then comes from the remote, or from
         * {@link #lose} if the remote goes before answering; otherwise the caller answers it.
         */
        private boolean forward(int command, long size, byte[] payload, long answer, InputStream in) throws IOException {
            OutputStream out;
            synchronized (lock) {
                if (lost) {
                    out = null;
                } else {
                    out = toRemote;
                    if (answer != RpcProtocol.NO_RESPONSE) {
                        waiting.add(new long[] {command, answer, System.nanoTime()});
                    }
                }
            }
            boolean ok = out != null && write(out, new byte[] {(byte) command}, 1, command)
                    && write(out, RpcProtocol.littleEndianLong(size), Long.BYTES, command);
            if (payload != null) {
                ok = ok && write(out, payload, payload.length, command);
            } else {
                byte[] chunk = new byte[CHUNK];
                for (long left = size; left > 0; ) {
                    int n = in.read(chunk, 0, (int) Math.min(chunk.length, left));
                    if (n < 0) {
                        throw new EOFException("llama.cpp closed the connection in the middle of a command");
                    }
                    left -= n;
                    ok = ok && write(out, chunk, n, command);
                }
            }
            if (ok) {
                try {
                    out.flush();
                    bytesSent.addAndGet(1 + Long.BYTES + size);
                } catch (IOException e) {
                    fail("sending " + RpcProtocol.name(command) + " failed: " + e.getMessage());
                }
            }
            return out != null;
        }

        private boolean write(OutputStream out, byte[] bytes, int length, int command) {
            try {
                out.write(bytes, 0, length);
                return true;
            } catch (IOException e) {
                fail("sending " + RpcProtocol.name(command) + " failed: " + e.getMessage());
                return false;
            }
        }

        private void connectUpstream() {
            if (failure.get() != null) {
                synchronized (lock) {
                    lost = true;
                }
                return;
            }
            try {
                Socket socket = new Socket();
                socket.connect(new InetSocketAddress(remote.host(), remote.port()), (int) Math.min(Integer.MAX_VALUE, answerTimeout.toMillis()));
                socket.setTcpNoDelay(true);
                socket.setKeepAlive(true);
                synchronized (lock) {
                    upstream = socket;
                    toRemote = new BufferedOutputStream(socket.getOutputStream(), CHUNK);
                }
                Thread.ofVirtual().name("chorus-rpc-answers-" + remote).start(() -> relayAnswers(socket));
            } catch (IOException e) {
                synchronized (lock) {
                    lost = true;
                }
                fail("cannot connect: " + e.getMessage());
            }
        }

        private void relayAnswers(Socket socket) {
            try {
                DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), CHUNK));
                byte[] sizeBytes = new byte[Long.BYTES];
                while (true) {
                    in.readFully(sizeBytes);
                    long size = RpcProtocol.readLittleEndianLong(sizeBytes);
                    long[] expected;
                    synchronized (lock) {
                        expected = waiting.peek();
                    }
                    if (expected == null || expected[1] != size) {
                        fail("it sent an answer of " + size + " bytes "
                                + (expected == null ? "nobody asked for" : "to " + RpcProtocol.name((int) expected[0])
                                        + ", which takes " + expected[1]));
                        return;
                    }
                    byte[] answer = new byte[Math.toIntExact(size)];
                    in.readFully(answer);
                    bytesReceived.addAndGet(Long.BYTES + size);
                    synchronized (lock) {
                        if (lost) {
                            return;  // lose() answered it already
                        }
                        waiting.poll();
                        toClient.write(sizeBytes);
                        toClient.write(answer);
                        toClient.flush();
                    }
                }
            } catch (IOException e) {
                boolean closing;
                synchronized (lock) {
                    closing = upstream == null || upstream.isClosed();
                }
                if (!closing) {
                    fail(e instanceof EOFException ? "it closed the connection" : "the connection broke: " + e.getMessage());
                }
            }
        }

        /** The remote is gone: answer what waits, and from now on answer everything here. */
        void lose(String reason) {
            synchronized (lock) {
                if (lost) {
                    return;
                }
                lost = true;
                closeUpstreamLocked();
                try {
                    for (long[] command; (command = waiting.poll()) != null; ) {
                        writeAnswer((int) command[0], command[1]);
                    }
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.DEBUG, "answering llama.cpp after losing " + remote + " (" + reason + ")", e);
                }
            }
        }

        private void answerWithPlaceholder(int command, long size) throws IOException {
            synchronized (lock) {
                writeAnswer(command, size);
            }
        }

        private void writeAnswer(int command, long size) throws IOException {
            toClient.write(RpcProtocol.littleEndianLong(size));
            toClient.write(RpcProtocol.placeholderResponse(command, size));
            toClient.flush();
        }

        private void closeUpstream() {
            synchronized (lock) {
                closeUpstreamLocked();
            }
        }

        private void closeUpstreamLocked() {
            if (upstream != null) {
                try {
                    upstream.close();
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.DEBUG, "closing the connection to " + remote, e);
                }
                upstream = null;
            }
        }
    }
}
