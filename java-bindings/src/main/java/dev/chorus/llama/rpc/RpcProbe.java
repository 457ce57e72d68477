package dev.chorus.llama.rpc;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks an {@code rpc-server} from Java before llama.cpp is given it: llama.cpp's RPC client aborts
 * the whole process when a server does not answer or speaks another protocol version, so those
 * cases must be caught here, with an error that says what to do.
 */
public final class RpcProbe {

    private RpcProbe() {}

    /**
     * Connects, says HELLO, checks the protocol version, and reads the server's devices and their memory.
     *
     * @throws RpcException when the server does not answer within {@code timeout}, or speaks another version
     */
    public static RpcServerInfo probe(RpcEndpoint endpoint, Duration timeout) {
        int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
        try (Socket socket = new Socket()) {
            try {
                socket.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), millis);
            } catch (UnknownHostException e) {
                throw new RpcException("rpc-server " + endpoint + ": unknown host " + endpoint.host());
            } catch (IOException e) {
                throw new RpcException("rpc-server " + endpoint + " does not answer (" + e.getMessage()
                        + "); is it started (rpc-server -H <address> -p " + endpoint.port() + ") and reachable?", e);
            }
            socket.setSoTimeout(millis);
            socket.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            byte[] hello = call(in, out, RpcProtocol.HELLO, new byte[RpcProtocol.CAPS_SIZE], endpoint);
            String version = (hello[0] & 0xff) + "." + (hello[1] & 0xff) + "." + (hello[2] & 0xff);
            if ((hello[0] & 0xff) != RpcProtocol.MAJOR || (hello[1] & 0xff) > RpcProtocol.MINOR) {
                throw new RpcException("rpc-server " + endpoint + " speaks RPC protocol " + version + "; Chorus's llama.cpp"
                        + " speaks " + RpcProtocol.MAJOR + "." + RpcProtocol.MINOR + ".x: run an rpc-server of the same"
                        + " llama.cpp build (chorus build-native puts one in its bin/ folder)");
            }
            int count = ByteBuffer.wrap(call(in, out, RpcProtocol.DEVICE_COUNT, new byte[0], endpoint))
                    .order(ByteOrder.LITTLE_ENDIAN).getInt();
            List<RpcServerInfo.DeviceMemory> devices = new ArrayList<>();
            for (int device = 0; device < count; device++) {
                byte[] request = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN).putInt(device).array();
                ByteBuffer memory = ByteBuffer.wrap(call(in, out, RpcProtocol.GET_DEVICE_MEMORY, request, endpoint))
                        .order(ByteOrder.LITTLE_ENDIAN);
                devices.add(new RpcServerInfo.DeviceMemory(memory.getLong(), memory.getLong()));
            }
            if (devices.isEmpty()) {
                throw new RpcException("rpc-server " + endpoint + " offers no devices");
            }
            return new RpcServerInfo(endpoint, version, devices);
        } catch (IOException e) {
            throw new RpcException("rpc-server " + endpoint + ": " + e.getMessage(), e);
        }
    }

    private static byte[] call(DataInputStream in, OutputStream out, int command, byte[] payload, RpcEndpoint endpoint)
            throws IOException {
        out.write(command);
        out.write(RpcProtocol.littleEndianLong(payload.length));
        out.write(payload);
        out.flush();
        long expected = RpcProtocol.responseSize(command, payload);
        try {
            byte[] sizeBytes = new byte[Long.BYTES];
            in.readFully(sizeBytes);
            long size = RpcProtocol.readLittleEndianLong(sizeBytes);
            if (size != expected) {
                throw new RpcException("rpc-server " + endpoint + " answered " + RpcProtocol.name(command) + " with " + size
                        + " bytes, not " + expected + ": it is not an rpc-server of llama.cpp v0.5.0's protocol");
            }
            byte[] response = new byte[(int) size];
            in.readFully(response);
            return response;
        } catch (SocketTimeoutException e) {
            throw new RpcException("rpc-server " + endpoint + " accepted the connection but did not answer "
                    + RpcProtocol.name(command) + " in time: it serves one client at a time, so another Chorus or"
                    + " llama.cpp may be connected to it (give each model its own rpc-server)", e);
        } catch (EOFException e) {
            throw new RpcException("rpc-server " + endpoint + " closed the connection during " + RpcProtocol.name(command)
                    + ": it is not an rpc-server of llama.cpp v0.5.0's protocol " + RpcProtocol.MAJOR + "." + RpcProtocol.MINOR, e);
        }
    }
}
