package dev.chorus.natives;

/** The llama.cpp libraries cannot be found, extracted or used on this machine; the message says why. */
public final class NativeLibraryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NativeLibraryException(String message) {
        super(message);
    }

    public NativeLibraryException(String message, Throwable cause) {
        super(message, cause);
    }
}
