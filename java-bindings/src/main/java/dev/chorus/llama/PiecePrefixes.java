package dev.chorus.llama;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A vocabulary's tokens as a forest by text: a token's parent is the token whose piece is the longest proper prefix
 * of its own piece that ends on a character boundary. llama.cpp's grammar consumes a token's characters one by one
 * and allows it when some stack can consume them all, so a token whose parent is refused is refused too; a mask can
 * ask about the roots, then only about the children of allowed tokens ({@link Grammar#mask}). In a JSON grammar's
 * structural states, where a handful of tokens are allowed, that asks about a few hundred tokens instead of the
 * vocabulary.
 *
 * <p>Characters are what llama.cpp's {@code decode_utf8} makes of a piece, byte for byte: a piece ends at its first
 * NUL, a lead byte takes the next 0 to 3 bytes whatever they are, and a continuation byte in lead position makes the
 * whole piece invalid (always refused). Tokens the grammar judges apart from their text (end-of-generation tokens,
 * empty pieces) and invalid pieces are roots without children, asked about every time.
 */
final class PiecePrefixes {
    /** {@code decode_utf8}'s byte counts by the high nibble of a lead byte; 0 marks a continuation byte. */
    private static final int[] SEQUENCE_LENGTH = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2, 2, 3, 4};

    /** Each token's piece up to its first NUL: the bytes llama.cpp's grammar reads. */
    private final byte[][] pieces;
    private final int[] roots;
    private final int[] everyToken;
    /** The children of token t are {@code children[childStart[t] .. childStart[t + 1])}. */
    private final int[] childStart;
    private final int[] children;
    /** Each token's root: the token itself for a root. */
    private final int[] rootOf;
    /** The roots whose piece starts with a whole character, by that character, and the characters in that order. */
    private final int[] rootsByCharacter;
    private final int[] rootCharacters;
    /**
     * The roots whose piece ends inside its first character, with the range of characters it could complete to
     * ({@code partialCharacters[2i]} to {@code partialCharacters[2i + 1]}).
     */
    private final int[] partialRoots;
    private final int[] partialCharacters;
    /** The other roots: judged apart from their text, or invalid. */
    private final int[] untextualRoots;

    private PiecePrefixes(byte[][] pieces, boolean[] textual, int[] roots, int[] childStart, int[] children) {
        this.pieces = pieces;
        this.roots = roots;
        this.childStart = childStart;
        this.children = children;
        this.rootOf = new int[pieces.length];
        for (int root : roots) {
            markSubtree(root, root);
        }
        this.everyToken = new int[pieces.length];
        Arrays.setAll(everyToken, token -> token);
        // (first character << 32 | root), sorted: the roots ending inside their first character (−1) come first.
        long[] byCharacter = Arrays.stream(roots).filter(root -> textual[root])
                .mapToLong(root -> (long) firstCharacter(pieces[root]) << 32 | root).sorted().toArray();
        int partial = (int) Arrays.stream(byCharacter).filter(entry -> entry < 0).count();
        this.partialRoots = Arrays.stream(byCharacter, 0, partial).mapToInt(entry -> (int) entry).toArray();
        this.rootsByCharacter = Arrays.stream(byCharacter, partial, byCharacter.length).mapToInt(entry -> (int) entry)
                .toArray();
        this.rootCharacters = Arrays.stream(byCharacter, partial, byCharacter.length)
                .mapToInt(entry -> (int) (entry >>> 32)).toArray();
        this.partialCharacters = new int[2 * partialRoots.length];
        for (int i = 0; i < partialRoots.length; i++) {
            completions(pieces[partialRoots[i]], partialCharacters, 2 * i);
        }
        this.untextualRoots = Arrays.stream(roots).filter(root -> !textual[root]).toArray();
    }

    /** The forest of {@code vocab}'s pieces as llama.cpp's grammar reads them (special tokens rendered). */
    static PiecePrefixes of(Vocab vocab) {
        int size = vocab.size();
        byte[][] pieces = new byte[size][];
        boolean[] textual = new boolean[size];
        Map<ByteBuffer, Integer> byPiece = new HashMap<>(size * 2);
        for (int token = 0; token < size; token++) {
            pieces[token] = untilNul(vocab.pieceBytes(token, true));
            textual[token] = pieces[token].length > 0 && !vocab.isEog(token) && boundaries(pieces[token]) != null;
            if (textual[token]) {
                byPiece.putIfAbsent(ByteBuffer.wrap(pieces[token]), token);
            }
        }
        int[] parent = new int[size];
        int[] childCount = new int[size + 1];
        for (int token = 0; token < size; token++) {
            parent[token] = -1;
            if (!textual[token]) {
                continue;
            }
            int[] ends = boundaries(pieces[token]);
            // ends[last] is the whole piece; look for the longest proper prefix that is a token of its own.
            for (int e = ends.length - 2; e >= 0 && parent[token] < 0; e--) {
                Integer prefix = byPiece.get(ByteBuffer.wrap(pieces[token], 0, ends[e]));
                if (prefix != null) {
                    parent[token] = prefix;
                    childCount[prefix]++;
                }
            }
        }
        int[] childStart = new int[size + 1];
        for (int token = 0; token < size; token++) {
            childStart[token + 1] = childStart[token] + childCount[token];
        }
        int[] children = new int[childStart[size]];
        int[] filled = Arrays.copyOf(childStart, size);
        int rootCount = 0;
        for (int token = 0; token < size; token++) {
            if (parent[token] >= 0) {
                children[filled[parent[token]]++] = token;
            } else {
                rootCount++;
            }
        }
        int[] roots = new int[rootCount];
        for (int token = 0, r = 0; token < size; token++) {
            if (parent[token] < 0) {
                roots[r++] = token;
            }
        }
        return new PiecePrefixes(pieces, textual, roots, childStart, children);
    }

    private void markSubtree(int token, int root) {
        rootOf[token] = root;
        for (int c = childStart[token]; c < childStart[token + 1]; c++) {
            markSubtree(children[c], root);
        }
    }

    /** The tokens asked about first: every token without a parent. */
    int[] roots() {
        return roots;
    }

    /**
     * Writes to {@code into} the roots whose first character is in {@code ranges} (sorted, disjoint, inclusive code
     * point ranges, as {@code LlamaGrammarState.nextCharacters} gives them), or could be when the piece ends inside
     * it, and every root judged apart from its text; returns how many. The others, and their descendants, start with
     * a character no stack takes.
     */
    int rootsTaking(int[] ranges, int[] into) {
        System.arraycopy(untextualRoots, 0, into, 0, untextualRoots.length);
        int count = untextualRoots.length;
        for (int r = 0; r < ranges.length; r += 2) {
            int from = firstAtLeast(ranges[r]);
            int to = firstAtLeast(ranges[r + 1] + 1L);
            System.arraycopy(rootsByCharacter, from, into, count, to - from);
            count += to - from;
        }
        for (int i = 0; i < partialRoots.length; i++) {
            if (intersects(ranges, partialCharacters[2 * i], partialCharacters[2 * i + 1])) {
                into[count++] = partialRoots[i];
            }
        }
        return count;
    }

    /** Whether some range of {@code ranges} (sorted, disjoint) meets {@code [from, to]}. */
    private static boolean intersects(int[] ranges, int from, int to) {
        for (int r = 0; r < ranges.length && ranges[r] <= to; r += 2) {
            if (ranges[r + 1] >= from) {
                return true;
            }
        }
        return false;
    }

    /** The index of the first root character at least {@code character}. */
    private int firstAtLeast(long character) {
        int low = 0;
        int high = rootCharacters.length;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (rootCharacters[mid] < character) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    /**
     * The first character {@code decode_utf8} makes of {@code piece} (its lead byte's bits, then the low six bits of
     * each byte that follows, whatever they are), or −1 when the piece ends before it does.
     */
    static int firstCharacter(byte[] piece) {
        int length = SEQUENCE_LENGTH[(piece[0] & 0xFF) >>> 4];
        return length == 0 || piece.length < length ? -1 : leadingBits(piece, length);
    }

    /**
     * Writes to {@code into[at]} and {@code into[at + 1]} the characters a piece that ends inside its first character
     * could complete to, as {@code llama_grammar_match_partial_char} bounds them: the bits read so far followed by any
     * bits, and at least the smallest character of that length.
     */
    static void completions(byte[] piece, int[] into, int at) {
        int value = leadingBits(piece, piece.length);
        int remain = SEQUENCE_LENGTH[(piece[0] & 0xFF) >>> 4] - piece.length;
        int low = value << 6 * remain;
        if (low == 0) {
            low = remain == 2 ? 1 << 11 : remain == 3 ? 1 << 16 : 0;
        }
        into[at] = low;
        into[at + 1] = value << 6 * remain | (1 << 6 * remain) - 1;
    }

    /**
     * The bits of the character starting {@code piece} as {@code decode_utf8} reads its first {@code bytes} bytes (a
     * valid lead byte's own bits, then six from each byte after it).
     */
    private static int leadingBits(byte[] piece, int bytes) {
        int value = piece[0] & ((1 << (8 - SEQUENCE_LENGTH[(piece[0] & 0xFF) >>> 4])) - 1);
        for (int i = 1; i < bytes; i++) {
            value = value << 6 | piece[i] & 0x3F;
        }
        return value;
    }

    /** The tokens in order, for a mask that asks about each (never written). */
    int[] everyToken() {
        return everyToken;
    }

    /** The root {@code token} descends from (itself for a root). */
    int rootOf(int token) {
        return rootOf[token];
    }

    /** Appends the children of {@code token} to {@code into} at {@code at}; returns the new end. */
    int addChildren(int token, int[] into, int at) {
        int count = childStart[token + 1] - childStart[token];
        System.arraycopy(children, childStart[token], into, at, count);
        return at + count;
    }

    /**
     * The byte offsets at which {@code decode_utf8} has completed each character of {@code piece} (the last may be
     * the piece's end with a character still incomplete), or null when the piece is invalid.
     */
    static int[] boundaries(byte[] piece) {
        int[] ends = new int[piece.length];
        int count = 0;
        int pos = 0;
        while (pos < piece.length) {
            int length = SEQUENCE_LENGTH[(piece[pos] & 0xFF) >>> 4];
            if (length == 0) {
                return null;
            }
            pos = Math.min(piece.length, pos + length);
            ends[count++] = pos;
        }
        return Arrays.copyOf(ends, count);
    }

    /**
     * How many bytes of a character are still due after {@code token}, when {@code remain} were due before it: what
     * llama.cpp's grammar carries from one accepted token to the next ({@code partial_utf8.n_remain}; −1 for an
     * invalid sequence, which the grammar never allows).
     */
    int remainAfter(int remain, int token) {
        byte[] piece = pieces[token];
        int pos = 0;
        while (pos < piece.length && remain > 0) {
            if ((piece[pos] & 0xC0) != 0x80) {
                return -1;
            }
            pos++;
            remain--;
        }
        while (pos < piece.length) {
            int length = SEQUENCE_LENGTH[(piece[pos] & 0xFF) >>> 4];
            if (length == 0) {
                return -1;
            }
            remain = Math.max(0, pos + length - piece.length);
            pos += length;
        }
        return remain;
    }

    private static byte[] untilNul(byte[] piece) {
        for (int i = 0; i < piece.length; i++) {
            if (piece[i] == 0) {
                return Arrays.copyOf(piece, i);
            }
        }
        return piece;
    }
}
