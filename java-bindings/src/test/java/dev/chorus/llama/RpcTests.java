package dev.chorus.llama;

import dev.chorus.natives.LlamaBuild;
import dev.chorus.testkit.RpcServerProcess;

/** Whether this JVM can run models over RPC: an rpc-server of the native build, and a loaded llama.cpp with RPC. */
final class RpcTests {

    private RpcTests() {}

    /** Why not, or null when it can. */
    static String missingRpc() {
        if (RpcServerProcess.binary().isEmpty()) {
            return RpcServerProcess.missingReason();
        }
        LlamaBuild.Kind kind = Llama.init().buildKind();
        return kind == LlamaBuild.Kind.BUNDLED ? "the npm prebuilt llama.cpp is loaded; it has no RPC backend" : null;
    }
}
