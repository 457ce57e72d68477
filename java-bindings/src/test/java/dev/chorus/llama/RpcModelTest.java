package dev.chorus.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.chorus.llama.rpc.RpcEndpoint;
import dev.chorus.llama.rpc.RpcException;
import dev.chorus.llama.rpc.RpcServerLostException;
import dev.chorus.testkit.RpcServerProcess;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A model whose layers run on {@code rpc-server}s on 127.0.0.1: same tokens as local, clear errors, no crash on loss. */
class RpcModelTest {

    private static final int TOKENS = 12;

    @BeforeEach
    void requireRpc() {
        String missing = RpcTests.missingRpc();
        assumeTrue(missing == null, missing);
    }

    @Test
    void greedyTokensThroughAnRpcServerAreTheLocalOnes() {
        int[] prompt = DecodeChecks.randomPrompt(7, 10);
        List<Integer> local;
        try (Model model = Model.load(TestModels.fixture(), ModelParams.cpu())) {
            local = greedy(model, prompt);
        }
        try (RpcServerProcess server = RpcServerProcess.start();
                Model model = Model.load(TestModels.fixture(), ModelParams.onRpcServers(List.of(RpcEndpoint.parse(server.endpoint()))))) {
            assertEquals(local, greedy(model, prompt));
            assertTrue(model.rpcBytes() > model.sizeBytes() / 2, "the weights went to the server: " + model.rpcBytes() + " bytes");
        }
    }

    @Test
    void aServerThatIsNotThereIsNamed() {
        int port = freePort();
        var error = assertThrows(RpcException.class, () -> Model.load(TestModels.fixture(),
                ModelParams.onRpcServers(List.of(new RpcEndpoint("127.0.0.1", port)))));
        assertTrue(error.getMessage().contains("rpc-server 127.0.0.1:" + port + " does not answer"), error.getMessage());
    }

    @Test
    void aServerOfAnotherProtocolVersionIsRefused() throws Exception {
        try (FakeServer server = new FakeServer(6, 1L << 40)) {
            var error = assertThrows(RpcException.class, () -> Model.load(TestModels.fixture(),
                    ModelParams.onRpcServers(List.of(server.endpoint()))));
            assertTrue(error.getMessage().contains("speaks RPC protocol 6.0.0"), error.getMessage());
        }
    }

    @Test
    void aModelThatDoesNotFitIsRefusedBeforeLoading() throws Exception {
        try (FakeServer server = new FakeServer(7, 1L << 20)) {
            var error = assertThrows(RpcException.class, () -> Model.load(TestModels.fixture(),
                    ModelParams.onRpcServers(List.of(server.endpoint()))));
            assertTrue(error.getMessage().contains("does not fit on rpc-servers [" + server.endpoint() + " (1 MiB free)]"),
                    error.getMessage());
        }
    }

    @Test
    void aServerKilledMidDecodeFailsTheModelWithinSecondsAndNothingElse() {
        int[] prompt = DecodeChecks.randomPrompt(9, 6);
        try (RpcServerProcess server = RpcServerProcess.start();
                Model remote = Model.load(TestModels.fixture(), ModelParams.onRpcServers(List.of(RpcEndpoint.parse(server.endpoint()))));
                Model local = Model.load(TestModels.fixture(), ModelParams.cpu())) {
            try (Context context = remote.newContext(contextParams())) {
                DecodeChecks.decodeLast(context, prompt, 0);
                Thread killer = Thread.ofVirtual().start(() -> {
                    sleep(Duration.ofMillis(300));
                    server.kill();
                });
                RpcServerLostException lost = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThrows(
                        RpcServerLostException.class, () -> {
                            for (int position = prompt.length; ; position++) {
                                DecodeChecks.decodeLast(context, new int[] {prompt[position % prompt.length]}, position);
                            }
                        }));
                killer.join();
                assertTrue(lost.getMessage().contains("rpc-server " + server.endpoint() + " was lost"), lost.getMessage());
                assertTrue(remote.unavailableReason().isPresent());
                // Later decodes fail at once, before reaching llama.cpp.
                assertThrows(RpcServerLostException.class, () -> DecodeChecks.decodeLast(context, prompt, 0));
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            // The process and its other models are unharmed.
            try (Context context = local.newContext(contextParams())) {
                assertEquals(local.vocab().size(), DecodeChecks.decodeLast(context, prompt, 0).length);
            }
        }
    }

    private static List<Integer> greedy(Model model, int[] prompt) {
        List<Integer> tokens = new ArrayList<>();
        try (Context context = model.newContext(contextParams())) {
            float[] logits = DecodeChecks.decodeLast(context, prompt, 0);
            for (int position = prompt.length; tokens.size() < TOKENS; position++) {
                int next = argmax(logits);
                tokens.add(next);
                logits = DecodeChecks.decodeLast(context, new int[] {next}, position);
            }
        }
        return tokens;
    }

    private static ContextParams contextParams() {
        return new ContextParams(TestModels.CONTEXT, 64, 64, 1, 1, FlashAttention.AUTO);
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The handshake of a server that is not llama.cpp v0.5.0's, which no real process here can play: it answers
     * HELLO with protocol {@code major}.0.0 and reports one device with {@code freeBytes} free.
     */
    private static final class FakeServer implements AutoCloseable {
        private final ServerSocket socket;

        FakeServer(int major, long freeBytes) throws IOException {
            socket = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
            Map<Integer, byte[]> answers = Map.of(
                    14, ByteBuffer.allocate(28).put((byte) major).array(),
                    15, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(1).array(),
                    11, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(freeBytes).putLong(freeBytes).array());
            Thread.ofVirtual().start(() -> serve(answers));
        }

        RpcEndpoint endpoint() {
            return new RpcEndpoint("127.0.0.1", socket.getLocalPort());
        }

        private void serve(Map<Integer, byte[]> answers) {
            while (!socket.isClosed()) {
                try (Socket client = socket.accept()) {
                    DataInputStream in = new DataInputStream(client.getInputStream());
                    OutputStream out = client.getOutputStream();
                    for (int command; (command = in.read()) >= 0; ) {
                        in.readNBytes((int) Long.reverseBytes(in.readLong()));
                        byte[] answer = answers.get(command);
                        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(answer.length).array());
                        out.write(answer);
                        out.flush();
                    }
                } catch (IOException e) {
                    // The client went, or the socket closed.
                }
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
