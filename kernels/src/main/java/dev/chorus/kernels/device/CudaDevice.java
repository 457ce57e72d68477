package dev.chorus.kernels.device;

import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;
import static jcuda.driver.JCudaDriver.*;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;

/**
 * CUDA device 0 and its primary context (the one llama.cpp's CUDA backend also uses), with PTX modules
 * loaded from the class path ({@code kernels/src/main/cuda/*.cu}, compiled for compute_80 at build time).
 */
public final class CudaDevice {
    /** The NVIDIA driver's library, which JCuda's own native library links against. */
    private static final String DRIVER = "libcuda.so.1";

    /**
     * Why loading CUDA modules failed, in words: a missing driver reads differently from a driver error. Only
     * the first line of a linkage error is kept: JCuda's carries the stack traces of every attempt.
     */
    public static String failureReason(Throwable failure) {
        return failure instanceof LinkageError
                ? "the CUDA driver cannot be loaded (" + missingLibrary(LoadedOnce.message(failure)) + ")"
                : LoadedOnce.message(failure);
    }

    /** The part of a native loader's message that names what is missing, e.g. {@code libcuda.so.1: cannot open ...}. */
    private static final java.util.regex.Pattern MISSING = java.util.regex.Pattern.compile(
            "([\\w.+-]+\\.so[.\\d]*: cannot open shared object file[^\\n]*)");

    /**
     * JCuda's load error lists every attempt with its stack trace (some 60 lines); one line says what is missing,
     * so a machine without CUDA logs one line, not a trace.
     */
    static String missingLibrary(String message) {
        java.util.regex.Matcher missing = MISSING.matcher(message);
        return missing.find() ? missing.group(1).strip() : message.lines().findFirst().orElse(message).strip();
    }


    public static final String PTX_FOLDER = "/dev/chorus/kernels/cuda/";
    private static final int MIN_MAJOR = 8;

    public final CUdevice device;
    public final CUcontext context;
    public final String description;

    private CudaDevice() {
        JCudaDriver.setExceptionsEnabled(true);
        cuInit(0);
        int[] count = new int[1];
        cuDeviceGetCount(count);
        if (count[0] == 0) {
            throw new IllegalStateException("no CUDA device");
        }
        device = new CUdevice();
        cuDeviceGet(device, 0);
        int major = attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        description = name() + " (compute " + major + "." + attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR) + ")";
        if (major < MIN_MAJOR) {
            throw new IllegalStateException(description + " is older than the PTX target compute_80");
        }
        context = new CUcontext();
        cuDevicePrimaryCtxRetain(context, device);
        cuCtxSetCurrent(context);
    }

    /**
     * Opens device 0 after checking that the {@code ptxFiles} are on the class path; throws
     * {@link IllegalStateException} (or a {@link LinkageError} without {@code libcuda.so.1}) when it cannot.
     */
    public static CudaDevice open(String... ptxFiles) {
        for (String file : ptxFiles) {
            ptx(file);
        }
        requireDriver();
        return new CudaDevice();
    }

    /**
     * Fails fast where no NVIDIA driver is installed, before JCuda extracts its native library into the
     * temporary folder and loads it: the common case on a CPU machine, asked at every start.
     */
    private static void requireDriver() {
        try {
            SymbolLookup.libraryLookup(DRIVER, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("no NVIDIA driver here (" + DRIVER + " cannot be opened)", e);
        }
    }

    /** Makes the context current on the calling thread (any thread may drive a launcher). */
    public void makeCurrent() {
        cuCtxSetCurrent(context);
    }

    public CUmodule load(String ptxFile) {
        CUmodule module = new CUmodule();
        cuModuleLoadData(module, ptx(ptxFile));
        return module;
    }

    public static CUfunction function(CUmodule module, String name) {
        CUfunction function = new CUfunction();
        cuModuleGetFunction(function, module, name);
        return function;
    }

    /** The PTX resource, NUL-terminated as cuModuleLoadData wants it. */
    private static byte[] ptx(String file) {
        try (InputStream in = CudaDevice.class.getResourceAsStream(PTX_FOLDER + file)) {
            if (in == null) {
                throw new IllegalStateException("the class path lacks " + PTX_FOLDER + file + " (this build ran without nvcc)");
            }
            byte[] text = in.readAllBytes();
            return Arrays.copyOf(text, text.length + 1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private int attribute(int attribute) {
        int[] value = new int[1];
        cuDeviceGetAttribute(value, attribute, device);
        return value[0];
    }

    private String name() {
        byte[] name = new byte[256];
        cuDeviceGetName(name, name.length, device);
        int length = 0;
        while (length < name.length && name[length] != 0) {
            length++;
        }
        return new String(name, 0, length, StandardCharsets.UTF_8);
    }
}
