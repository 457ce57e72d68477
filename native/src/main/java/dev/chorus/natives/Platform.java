package dev.chorus.natives;

import java.util.Locale;

/**
 * An operating system and CPU architecture pair, named as the jar's resource folders are
 * ({@code linux-x86_64}).
 */
public record Platform(String os, String arch) {

    public Platform {
        if (os == null || os.isBlank() || arch == null || arch.isBlank()) {
            throw new IllegalArgumentException("os and arch must be named, got '" + os + "' and '" + arch + "'");
        }
    }

    /** The platform this JVM runs on, normalised from {@code os.name} and {@code os.arch}. */
    public static Platform current() {
        return of(System.getProperty("os.name"), System.getProperty("os.arch"));
    }

    static Platform of(String osName, String osArch) {
        String os = osName.toLowerCase(Locale.ROOT);
        String arch = osArch.toLowerCase(Locale.ROOT);
        return new Platform(
                os.startsWith("linux") ? "linux" : os.startsWith("mac") ? "macos" : os.startsWith("windows") ? "windows" : os,
                switch (arch) {
                    case "amd64", "x86_64", "x64" -> "x86_64";
                    case "aarch64", "arm64" -> "aarch64";
                    default -> arch;
                });
    }

    /** The resource folder name, e.g. {@code linux-x86_64}. */
    public String id() {
        return os + "-" + arch;
    }

    @Override
    public String toString() {
        return id();
    }
}
