package dev.chorus.engine.eval;

import dev.chorus.llama.Vocab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The token windows a perplexity is measured on. Each window is decoded from an empty context and its tokens
 * 1..n−1 are scored given the tokens before them, so every window needs at least two tokens.
 */
public final class TokenWindows {
    private final List<int[]> windows;

    /** Copies the windows; each needs at least two tokens. */
    public TokenWindows(List<int[]> windows) {
        if (windows == null || windows.isEmpty()) {
            throw new IllegalArgumentException("there are no token windows to evaluate");
        }
        List<int[]> copies = new ArrayList<>(windows.size());
        for (int[] window : windows) {
            if (window == null || window.length < 2) {
                throw new IllegalArgumentException("window " + copies.size() + " needs at least 2 tokens");
            }
            copies.add(window.clone());
        }
        this.windows = List.copyOf(copies);
    }

    /**
     * Reads little-endian int32 tokens cut into consecutive windows of {@code window} tokens, the layout of the
     * shared held-out files (each window already starts with BOS).
     *
     * @throws IllegalArgumentException when the file is not a whole number of windows
     */
    public static TokenWindows readInt32(Path file, int window) {
        requireWindow(window);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read token file " + file, e);
        }
        long windowBytes = (long) window * Integer.BYTES;
        if (bytes.length == 0 || bytes.length % windowBytes != 0) {
            throw new IllegalArgumentException(file + " holds " + bytes.length + " bytes, not a whole number of "
                    + window + "-token windows of little-endian int32 (" + windowBytes + " bytes each)");
        }
        IntBuffer tokens = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
        List<int[]> windows = new ArrayList<>();
        while (tokens.hasRemaining()) {
            int[] next = new int[window];
            tokens.get(next);
            windows.add(next);
        }
        return new TokenWindows(windows);
    }

    /**
     * Tokenises text with {@code vocab} (no special-token parsing) and cuts it into windows of at most
     * {@code window} tokens, each starting with BOS followed by the next {@code window − 1} text tokens; a last
     * window with a single text token is kept, an empty one is not.
     */
    public static TokenWindows fromText(String text, Vocab vocab, int window) {
        requireWindow(window);
        int bos = vocab.bos().orElseThrow(() -> new IllegalArgumentException(
                "the vocabulary has no BOS token to start each window with"));
        int[] tokens = vocab.tokenize(text, false, false);
        if (tokens.length == 0) {
            throw new IllegalArgumentException("the text has no tokens");
        }
        int perWindow = window - 1;
        List<int[]> windows = new ArrayList<>();
        for (int start = 0; start < tokens.length; start += perWindow) {
            int count = Math.min(perWindow, tokens.length - start);
            int[] next = new int[count + 1];
            next[0] = bos;
            System.arraycopy(tokens, start, next, 1, count);
            windows.add(next);
        }
        return new TokenWindows(windows);
    }

    /** Throws unless every token is a valid id of a vocabulary of {@code vocabSize} tokens. */
    public void requireVocabulary(int vocabSize) {
        for (int w = 0; w < windows.size(); w++) {
            int[] window = windows.get(w);
            for (int i = 0; i < window.length; i++) {
                if (window[i] < 0 || window[i] >= vocabSize) {
                    throw new IllegalArgumentException("token " + window[i] + " at position " + i + " of window " + w
                            + " is outside the vocabulary of " + vocabSize + " tokens");
                }
            }
        }
    }

    /** The number of windows. */
    public int count() {
        return windows.size();
    }

    /** Window w's tokens, without copying: callers must not modify them. */
    int[] window(int w) {
        return windows.get(w);
    }

    /** The longest window. */
    public int longest() {
        return windows.stream().mapToInt(window -> window.length).max().orElseThrow();
    }

    /** The tokens that get scored: all but the first of every window. */
    public long scoredTokens() {
        return windows.stream().mapToLong(window -> window.length - 1L).sum();
    }

    /** Copies of the windows. */
    public List<int[]> windows() {
        return windows.stream().map(int[]::clone).toList();
    }

    private static void requireWindow(int window) {
        if (window < 2) {
            throw new IllegalArgumentException("the window must hold at least 2 tokens, got " + window);
        }
    }
}
