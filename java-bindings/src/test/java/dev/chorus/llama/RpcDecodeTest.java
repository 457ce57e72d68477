package dev.chorus.llama;

import dev.chorus.llama.rpc.RpcEndpoint;
import dev.chorus.testkit.RpcServerProcess;
import java.util.List;
import org.junit.jupiter.api.AfterAll;

/**
 * The decoding checks with every layer on an {@code rpc-server} on 127.0.0.1 (the native build's,
 * started here), through Chorus's relay. Skips when this machine has no native build.
 */
class RpcDecodeTest extends DecodeChecks {

    private RpcServerProcess server;

    @Override
    String missingDevice() {
        String missing = RpcTests.missingRpc();
        if (missing == null) {
            server = RpcServerProcess.start();
        }
        return missing;
    }

    @Override
    ModelParams modelParams() {
        return ModelParams.onRpcServers(List.of(RpcEndpoint.parse(server.endpoint())));
    }

    /** The server computes with the same CPU kernels; only the thread count may differ. */
    @Override
    float tolerance() {
        return 1e-4f;
    }

    @Override
    @AfterAll
    void closeModel() {
        super.closeModel();
        if (server != null) {
            server.close();
        }
    }
}
