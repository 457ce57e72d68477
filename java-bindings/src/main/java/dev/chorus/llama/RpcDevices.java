package dev.chorus.llama;

import dev.chorus.llama.internal.LlamaBackends;
import dev.chorus.llama.rpc.RpcEndpoint;
import dev.chorus.llama.rpc.RpcException;
import dev.chorus.llama.rpc.RpcProbe;
import dev.chorus.llama.rpc.RpcRelay;
import dev.chorus.llama.rpc.RpcServerInfo;
import dev.chorus.llama.rpc.RpcServerLostException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The RPC devices one model's layers run on: for each {@code rpc-server}, a check from Java
 * ({@link RpcProbe}: it answers, speaks protocol 7, has room), a loopback {@link RpcRelay} (so a server
 * that dies fails the model, not the process), and ggml's devices for it
 * ({@code ggml_backend_rpc_add_server} on the relay). Owned by the model; closed after it is freed.
 */
final class RpcDevices implements AutoCloseable {

    /** How long a server may take to accept and answer the handshake. */
    static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(5);
    /** How long one command may wait for its answer (a whole graph's compute) before the server counts as lost. */
    static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(120);

    private final List<RpcRelay> relays;
    private final List<MemorySegment> devices;

    private RpcDevices(List<RpcRelay> relays, List<MemorySegment> devices) {
        this.relays = List.copyOf(relays);
        this.devices = List.copyOf(devices);
    }

    /**
     * Connects the servers of {@code params} for a model of {@code modelBytes}.
     *
     * @throws RpcException when the loaded llama.cpp has no RPC backend, a server does not answer or speaks another
     *     version, or the model does not fit in the servers' free memory
     */
    static RpcDevices connect(String model, long modelBytes, ModelParams params) {
        MemorySegment addServer = addServerFunction();
        List<RpcServerInfo> servers = params.rpcServers().stream().map(server -> RpcProbe.probe(server, HANDSHAKE_TIMEOUT)).toList();
        checkFits(model, modelBytes, servers, params.tensorSplit());
        List<RpcRelay> relays = new ArrayList<>();
        List<MemorySegment> devices = new ArrayList<>();
        try (Arena call = Arena.ofConfined()) {
            for (RpcServerInfo server : servers) {
                RpcRelay relay = RpcRelay.start(server.endpoint(), ANSWER_TIMEOUT);
                relays.add(relay);
                MemorySegment reg = LlamaBackends.ggml_backend_rpc_add_server(addServer, call.allocateFrom(relay.localEndpoint()));
                if (reg.equals(MemorySegment.NULL) || relay.failure().isPresent()) {
                    throw new RpcException("rpc-server " + server.endpoint() + " failed while connecting"
                            + relay.failure().map(why -> ": " + why).orElse(""));
                }
                for (long d = 0, n = LlamaBackends.ggml_backend_reg_dev_count(reg); d < n; d++) {
                    devices.add(LlamaBackends.ggml_backend_reg_dev_get(reg, d));
                }
            }
        } catch (RuntimeException e) {
            relays.forEach(RpcRelay::close);
            throw e;
        }
        if (!params.tensorSplit().isEmpty() && params.tensorSplit().size() != devices.size()) {
            relays.forEach(RpcRelay::close);
            throw new RpcException("tensor_split has " + params.tensorSplit().size() + " shares, the rpc-servers "
                    + params.rpcServers() + " offer " + devices.size() + " devices: give one share per device");
        }
        return new RpcDevices(relays, devices);
    }

    /** The devices as {@code llama_model_params.devices} wants them: a NULL-terminated array, in {@code arena}. */
    MemorySegment deviceArray(Arena arena) {
        MemorySegment array = arena.allocate(ValueLayout.ADDRESS, devices.size() + 1L);
        for (int i = 0; i < devices.size(); i++) {
            array.setAtIndex(ValueLayout.ADDRESS, i, devices.get(i));
        }
        array.setAtIndex(ValueLayout.ADDRESS, devices.size(), MemorySegment.NULL);
        return array;
    }

    /** {@code llama_model_params.tensor_split}: {@code llama_max_devices()} floats, in {@code arena}. */
    static MemorySegment tensorSplit(Arena arena, List<Double> shares) {
        long length = LlamaBackends.llama_max_devices();
        if (shares.size() > length) {
            throw new RpcException("tensor_split has " + shares.size() + " shares; llama.cpp takes at most " + length + " devices");
        }
        MemorySegment split = arena.allocate(ValueLayout.JAVA_FLOAT, length);
        for (int i = 0; i < shares.size(); i++) {
            split.setAtIndex(ValueLayout.JAVA_FLOAT, i, shares.get(i).floatValue());
        }
        return split;
    }

    /** Fails when a relay lost its server: the model's weights there are gone. */
    void checkAlive(String model) {
        Optional<String> lost = lostServer();
        if (lost.isPresent()) {
            throw new RpcServerLostException(model + " cannot decode: " + lost.get()
                    + "; restart that rpc-server and reload the model");
        }
    }

    /** Which server was lost and why, if one was. */
    Optional<String> lostServer() {
        for (RpcRelay relay : relays) {
            if (relay.failure().isPresent()) {
                return Optional.of("rpc-server " + relay.remote() + " was lost (" + relay.failure().get() + ")");
            }
        }
        return Optional.empty();
    }

    /** Bytes sent to and received from all servers so far. */
    long bytesTransferred() {
        return relays.stream().mapToLong(relay -> relay.bytesSent() + relay.bytesReceived()).sum();
    }

    @Override
    public void close() {
        relays.forEach(RpcRelay::close);
    }

    private static MemorySegment addServerFunction() {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment rpc = LlamaBackends.ggml_backend_reg_by_name(call.allocateFrom("RPC"));
            if (rpc.equals(MemorySegment.NULL)) {
                throw new RpcException("the loaded llama.cpp (" + Llama.init().buildKind().description() + " in "
                        + Llama.init().libraryFolder() + ") has no RPC backend: run `chorus build-native` to build one"
                        + " for this CPU with it, or point -Dchorus.llama.dir at a build with GGML_RPC=ON");
            }
            MemorySegment function = LlamaBackends.ggml_backend_reg_get_proc_address(rpc, call.allocateFrom("ggml_backend_rpc_add_server"));
            if (function.equals(MemorySegment.NULL)) {
                throw new RpcException("the RPC backend of the loaded llama.cpp lacks ggml_backend_rpc_add_server");
            }
            return function;
        }
    }

    private static void checkFits(String model, long modelBytes, List<RpcServerInfo> servers, List<Double> split) {
        long free = servers.stream().mapToLong(RpcServerInfo::freeBytes).sum();
        if (split.isEmpty()) {
            if (modelBytes > free) {
                throw new RpcException(model + " (" + mib(modelBytes) + " MiB) does not fit on rpc-servers "
                        + servers.stream().map(s -> s.endpoint() + " (" + mib(s.freeBytes()) + " MiB free)").toList());
            }
            return;
        }
        double total = split.stream().mapToDouble(Double::doubleValue).sum();
        int device = 0;
        for (RpcServerInfo server : servers) {
            for (RpcServerInfo.DeviceMemory memory : server.devices()) {
                if (device < split.size()) {
                    long share = (long) (modelBytes * split.get(device) / total);
                    if (share > memory.freeBytes()) {
                        throw new RpcException(model + ": its share on device " + device + " of rpc-server " + server.endpoint()
                                + " (" + mib(share) + " MiB of " + mib(modelBytes) + ") does not fit in its "
                                + mib(memory.freeBytes()) + " MiB free; lower that device's tensor_split share");
                    }
                }
                device++;
            }
        }
    }

    private static long mib(long bytes) {
        return Math.ceilDiv(bytes, 1L << 20);
    }
}
