package dev.chorus.kernels.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.chorus.kernels.merge.MergeBackend;
import dev.chorus.kernels.merge.MergeBackends;
import org.junit.jupiter.api.Test;

/** A machine without CUDA says so in one line, not with JCuda's nested stack traces. */
class CudaDeviceReasonTest {

    /** The shape of JCuda 12.6's error when libcuda.so.1 is missing. */
    private static final String JCUDA_MESSAGE = """
            Error while loading native library "JCudaDriver-12.6.0-linux-x86_64"
            Operating system name: Linux
            Architecture         : amd64
            Architecture bit size: 64
            ---(start of nested stack traces)---
            Stack trace from the attempt to load the library as a file:
            java.lang.UnsatisfiedLinkError: no JCudaDriver-12.6.0-linux-x86_64 in java.library.path: /usr/lib
            \tat java.base/java.lang.ClassLoader.loadLibrary(ClassLoader.java:2458)
            Stack trace from the attempt to load the library as a resource:
            java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: cannot open shared object file: No such file or directory
            \tat java.base/jdk.internal.loader.NativeLibraries.load(Native Method)
            ---(end of nested stack traces)---
            """;

    @Test
    void aMissingDriverIsNamedInOneLine() {
        assertEquals("the CUDA driver cannot be loaded (libcuda.so.1: cannot open shared object file: No such file or directory)",
                CudaDevice.failureReason(new UnsatisfiedLinkError(JCUDA_MESSAGE)));
        assertEquals("the CUDA driver cannot be loaded (no JCudaDriver in java.library.path)",
                CudaDevice.failureReason(new UnsatisfiedLinkError("no JCudaDriver in java.library.path\nmore")));
    }

    @Test
    void theCudaMergeBackendsReasonHereIsOneLine() {
        MergeBackends.available().stream().filter(candidate -> candidate.backend() == MergeBackend.CUDA)
                .flatMap(candidate -> candidate.unavailableReason().stream())
                .forEach(reason -> assertFalse(reason.contains("\n"), reason));
    }
}
