package dev.chorus.kernels.device;

import static org.jocl.CL.*;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;
import org.jocl.cl_program;

/**
 * An OpenCL device and a context on it: the first GPU of any platform, else the first device of any kind.
 * Builds programs from classpath sources and reports the compiler's log when a build fails.
 */
public final class OpenClDevice {

    private static final LoadedOnce<OpenClDevice> PREFERRED = new LoadedOnce<>(OpenClDevice::open, LoadedOnce::message);

    public final cl_platform_id platform;
    public final cl_device_id device;
    public final cl_context context;
    public final String description;

    private OpenClDevice(cl_platform_id platform, cl_device_id device) {
        this.platform = platform;
        this.device = device;
        this.description = platformString(CL_PLATFORM_NAME) + " / " + deviceString(CL_DEVICE_NAME) + " ("
                + deviceString(CL_DEVICE_VERSION) + ")";
        cl_context_properties properties = new cl_context_properties();
        properties.addProperty(CL_CONTEXT_PLATFORM, platform);
        this.context = clCreateContext(properties, 1, new cl_device_id[] {device}, null, null, null);
    }

    /**
     * The preferred device and its context, opened once per JVM and shared by the fusion and merge programs;
     * throws {@link IllegalStateException} with the remembered reason when there is none.
     */
    public static OpenClDevice preferred() {
        return PREFERRED.get();
    }

    /** Opens the preferred device; throws {@link IllegalStateException} with the reason when there is none. */
    public static OpenClDevice open() {
        CL.setExceptionsEnabled(true);
        int[] count = new int[1];
        clGetPlatformIDs(0, null, count);
        if (count[0] == 0) {
            throw new IllegalStateException("no OpenCL platform (is an ICD such as pocl-opencl-icd installed?)");
        }
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        clGetPlatformIDs(platforms.length, platforms, null);
        for (long type : new long[] {CL_DEVICE_TYPE_GPU, CL_DEVICE_TYPE_ALL}) {
            for (cl_platform_id platform : platforms) {
                cl_device_id[] devices = devices(platform, type);
                if (devices.length > 0) {
                    return new OpenClDevice(platform, devices[0]);
                }
            }
        }
        throw new IllegalStateException("no OpenCL device on " + platforms.length + " platform(s)");
    }

    /** Builds the OpenCL C source at classpath {@code resource}; on failure the exception carries the build log. */
    public cl_program build(String resource, String options) {
        cl_program program = clCreateProgramWithSource(context, 1, new String[] {source(resource)}, null, null);
        try {
            clBuildProgram(program, 1, new cl_device_id[] {device}, options, null, null);
            return program;
        } catch (CLException e) {
            String log = buildLog(program);
            clReleaseProgram(program);
            throw new IllegalStateException("building " + resource + " for " + description + " failed ("
                    + e.getMessage() + ") with options " + options + ":\n" + log, e);
        }
    }

    /** Whether the device is a GPU; a CPU device (PoCL) shares the cores with llama.cpp. */
    public boolean isGpu() {
        return (deviceLong(CL_DEVICE_TYPE) & CL_DEVICE_TYPE_GPU) != 0;
    }

    /**
     * Why automatic backend selection should pass OpenCL over: a CPU device runs the kernels no faster than the
     * Java Vector API backend and competes with llama.cpp for the same cores. Cheap by design: a machine whose only
     * registered OpenCL is PoCL is passed over without initialising it (see {@link OpenClVendors}); otherwise the
     * {@link #preferred()} device is opened but no program is built. Empty when there is no device: the backend's
     * {@code unavailableReason} says why. {@code howToSelect} tells the user how to ask for it anyway.
     */
    public static Optional<String> notChosenAutomatically(String howToSelect) {
        String preferJava = ", where the Java backend is preferred; " + howToSelect + " selects it";
        Optional<String> onlyPocl = OpenClVendors.onlyPocl(System.getenv());
        if (onlyPocl.isPresent()) {
            return Optional.of(onlyPocl.get() + ", which runs on the CPU" + preferJava);
        }
        OpenClDevice device;
        try {
            device = preferred();
        } catch (IllegalStateException e) {
            return Optional.empty();
        }
        return device.isGpu() ? Optional.empty()
                : Optional.of("its device is not a GPU (" + device.description + ")" + preferJava);
    }

    /** A {@code size_t} or {@code cl_ulong} property of the device. */
    public long deviceLong(int parameter) {
        long[] value = new long[1];
        clGetDeviceInfo(device, parameter, Sizeof.cl_ulong, Pointer.to(value), null);
        return value[0];
    }

    private static cl_device_id[] devices(cl_platform_id platform, long type) {
        int[] count = new int[1];
        try {
            clGetDeviceIDs(platform, type, 0, null, count);
        } catch (CLException e) {
            if (e.getStatus() == CL_DEVICE_NOT_FOUND) {
                return new cl_device_id[0];
            }
            throw e;
        }
        cl_device_id[] devices = new cl_device_id[count[0]];
        clGetDeviceIDs(platform, type, devices.length, devices, null);
        return devices;
    }

    private String buildLog(cl_program program) {
        long[] size = new long[1];
        clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, 0, null, size);
        byte[] log = new byte[(int) size[0]];
        clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, log.length, Pointer.to(log), null);
        return cString(log);
    }

    private String deviceString(int parameter) {
        long[] size = new long[1];
        clGetDeviceInfo(device, parameter, 0, null, size);
        byte[] value = new byte[(int) size[0]];
        clGetDeviceInfo(device, parameter, value.length, Pointer.to(value), null);
        return cString(value);
    }

    private String platformString(int parameter) {
        long[] size = new long[1];
        clGetPlatformInfo(platform, parameter, 0, null, size);
        byte[] value = new byte[(int) size[0]];
        clGetPlatformInfo(platform, parameter, value.length, Pointer.to(value), null);
        return cString(value);
    }

    private static String source(String resource) {
        try (InputStream in = OpenClDevice.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the class path lacks " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String cString(byte[] bytes) {
        int length = 0;
        while (length < bytes.length && bytes[length] != 0) {
            length++;
        }
        return new String(bytes, 0, length, StandardCharsets.UTF_8).strip();
    }
}
