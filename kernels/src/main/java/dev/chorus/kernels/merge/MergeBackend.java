package dev.chorus.kernels.merge;

import java.util.Locale;

/** Where merge kernels run, in order of preference. */
public enum MergeBackend {
    CUDA, OPENCL, JAVA;

    /** The lower-case name used on command lines and in configs. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code cuda}, {@code opencl} or {@code java}, ignoring case. */
    public static MergeBackend parse(String id) {
        try {
            return valueOf(id.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the merge backend must be cuda, opencl or java, not '" + id + "'", e);
        }
    }
}
