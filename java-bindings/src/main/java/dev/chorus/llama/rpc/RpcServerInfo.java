package dev.chorus.llama.rpc;

import java.util.List;

/**
 * What an {@code rpc-server} reported in its handshake.
 *
 * @param version its protocol version, {@code major.minor.patch}
 * @param devices free and total bytes of each of its devices
 */
public record RpcServerInfo(RpcEndpoint endpoint, String version, List<DeviceMemory> devices) {

    public RpcServerInfo {
        devices = List.copyOf(devices);
    }

    /** The free bytes of all its devices. */
    public long freeBytes() {
        return devices.stream().mapToLong(DeviceMemory::freeBytes).sum();
    }

    public record DeviceMemory(long freeBytes, long totalBytes) {}
}
