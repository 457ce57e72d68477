package dev.chorus.kernels.fusion;

/** The implementations of {@link LogitFusion}, in the order {@link LogitFusions#open} prefers them. */
public enum FusionBackend {
    CUDA, OPENCL, JAVA;

    /** The lower-case name used by {@code chorus.kernels.backend} and the benchmarks. */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
