package dev.chorus.testkit;

import dev.chorus.natives.NativeBuilds;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * An {@code rpc-server} of this machine's native llama.cpp build ({@link NativeBuilds}) on a free
 * 127.0.0.1 port, with one CPU thread (test machines are small and shared), for tests of models
 * whose layers run over RPC. Closing kills it.
 */
public final class RpcServerProcess implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final int port;

    private RpcServerProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** The native build's rpc-server, or why there is none (tests then skip, naming the reason). */
    public static Optional<Path> binary() {
        return NativeBuilds.forThisMachine().map(NativeBuilds.NativeBuild::rpcServer)
                .filter(path -> path.toFile().canExecute());
    }

    /** What a test that needs an rpc-server says when it skips. */
    public static String missingReason() {
        return "no native llama.cpp build with rpc-server for this CPU (bash native/scripts/build-llama-native.sh)";
    }

    /** Starts one on a free loopback port and waits until it accepts connections. */
    public static RpcServerProcess start() {
        Path binary = binary().orElseThrow(() -> new IllegalStateException(missingReason()));
        int port = freePort();
        try {
            Process process = new ProcessBuilder(List.of(binary.toString(), "-H", "127.0.0.1", "-p", Integer.toString(port), "-t", "1"))
                    .redirectErrorStream(true).start();
            Thread.ofVirtual().start(() -> drain(process.getInputStream()));
            RpcServerProcess server = new RpcServerProcess(process, port);
            server.awaitListening();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary, e);
        }
    }

    /** {@code 127.0.0.1:port}, as a config's {@code rpc:} list names it. */
    public String endpoint() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Kills it the hard way (SIGKILL), as a crash or a power cut would, and waits until it is gone. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        kill();
    }

    private void awaitListening() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("rpc-server on port " + port + " exited with " + process.exitValue());
            }
            // A bare connect and close: the server reads EOF where a command would be and waits for the next client.
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (IOException notYet) {
                sleep();
            }
        }
        kill();
        throw new IllegalStateException("rpc-server on port " + port + " did not listen within " + START_TIMEOUT.toSeconds() + " s");
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    private static void drain(InputStream output) {
        try (output) {
            output.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException e) {
            // The process is gone.
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for rpc-server", e);
        }
    }
}
