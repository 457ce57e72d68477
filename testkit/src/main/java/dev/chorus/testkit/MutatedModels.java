package dev.chorus.testkit;

import dev.chorus.gguf.GgufFile;
import dev.chorus.gguf.GgufTensorInfo;
import dev.chorus.gguf.GgufValue;
import dev.chorus.gguf.GgufValueType;
import dev.chorus.gguf.GgufVocabulary;
import dev.chorus.gguf.GgufWriter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Broken variants of a valid model file, for tests that a hostile file cannot take a process down. Two families:
 * {@link Semantic} rewrites one metadata value of a well-formed file into one llama.cpp v0.5.0 chokes on, and
 * {@link #mutateBytes} damages the bytes (flips, truncations, absurd counts, lengths, offsets and dimensions,
 * unknown types) deterministically from a seed.
 */
public final class MutatedModels {
    private static final long[] ABSURD = {Long.MAX_VALUE, Long.MIN_VALUE, -1, 1L << 32, 1L << 40, 0xFFFF_FFFFL,
            1L << 62, 4097, 0, 1, 5, 513, 31};

    private MutatedModels() {
    }

    /** One metadata change that llama.cpp v0.5.0 aborts on (or used to) while GGUF parses it fine. */
    public enum Semantic {
        ALIGNMENT_ONE("general.alignment", values -> values.put("general.alignment", new GgufValue.UInt32(1))),
        ALIGNMENT_EIGHT("general.alignment", values -> values.put("general.alignment", new GgufValue.UInt32(8))),
        NO_LAYERS("llama.block_count", values -> values.put("llama.block_count", new GgufValue.UInt32(0))),
        TOO_MANY_LAYERS("llama.block_count", values -> values.put("llama.block_count", new GgufValue.UInt32(513))),
        MORE_LAYERS_THAN_TENSORS("llama.block_count", values -> values.compute("llama.block_count",
                (key, value) -> new GgufValue.UInt32(((GgufValue.UInt32) value).value() + 1))),
        FEWER_LAYERS_THAN_TENSORS("llama.block_count", values -> values.compute("llama.block_count",
                (key, value) -> new GgufValue.UInt32(((GgufValue.UInt32) value).value() - 1))),
        EPSILON_NAN("llama.attention.layer_norm_rms_epsilon", values ->
                values.put("llama.attention.layer_norm_rms_epsilon", new GgufValue.Float32(Float.NaN))),
        EPSILON_NEGATIVE("llama.attention.layer_norm_rms_epsilon", values ->
                values.put("llama.attention.layer_norm_rms_epsilon", new GgufValue.Float32(-1e-5f))),
        UNKNOWN_TOKENIZER(GgufVocabulary.MODEL_KEY, values ->
                values.put(GgufVocabulary.MODEL_KEY, new GgufValue.Text("sentencepiece-9000"))),
        NO_TOKENS(GgufVocabulary.TOKENS_KEY, values -> values.put(GgufVocabulary.TOKENS_KEY,
                new GgufValue.Array(GgufValueType.STRING, List.of()))),
        ALL_TOKENS_EMPTY(GgufVocabulary.TOKENS_KEY, values -> values.computeIfPresent(GgufVocabulary.TOKENS_KEY,
                (key, value) -> new GgufValue.Array(GgufValueType.STRING,
                        Collections.nCopies(((GgufValue.Array) value).size(), new GgufValue.Text(""))))),
        DUPLICATED_TOKEN(GgufVocabulary.TOKENS_KEY, values -> values.computeIfPresent(GgufVocabulary.TOKENS_KEY,
                (key, value) -> {
                    List<GgufValue> tokens = new ArrayList<>(((GgufValue.Array) value).elements());
                    tokens.set(tokens.size() - 1, tokens.get(tokens.size() - 2));
                    return new GgufValue.Array(GgufValueType.STRING, tokens);
                })),
        KV_HEADS_NOT_DIVIDING("llama.attention.head_count_kv", values ->
                values.put("llama.attention.head_count_kv", new GgufValue.UInt32(3))),
        HEADS_NOT_DIVIDING_EMBEDDING("llama.attention.head_count", values -> {
            values.put("llama.attention.head_count", new GgufValue.UInt32(3));
            values.put("llama.attention.head_count_kv", new GgufValue.UInt32(3));
        }),
        UNKNOWN_ROPE_SCALING("llama.rope.scaling.type", values ->
                values.put("llama.rope.scaling.type", new GgufValue.Text("quadratic"))),
        TOO_MANY_EXPERTS("llama.expert_count", values ->
                values.put("llama.expert_count", new GgufValue.UInt32(4096))),
        EXPERTS_USED_WITHOUT_EXPERTS("llama.expert_used_count", values ->
                values.put("llama.expert_used_count", new GgufValue.UInt32(2))),
        NO_BYTE_TOKENS(GgufVocabulary.TOKENS_KEY, values -> values.computeIfPresent(GgufVocabulary.TOKENS_KEY,
                (key, value) -> new GgufValue.Array(GgufValueType.STRING, ((GgufValue.Array) value).elements().stream()
                        .map(token -> ((GgufValue.Text) token).value().startsWith("<0x")
                                ? new GgufValue.Text("byte" + ((GgufValue.Text) token).value()) : token)
                        .toList())));

        private final String key;
        private final Consumer<Map<String, GgufValue>> change;

        Semantic(String key, Consumer<Map<String, GgufValue>> change) {
            this.key = key;
            this.change = change;
        }

        /** The metadata key a refusal must name. */
        public String key() {
            return key;
        }

        /** Writes {@code source} to {@code target} with this change, tensors and their bytes unchanged. */
        public void write(Path source, Path target) throws IOException {
            writeChanged(source, target, change);
        }
    }

    /** Writes {@code source} to {@code target} with its metadata changed by {@code change}, tensors unchanged. */
    public static void writeChanged(Path source, Path target, Consumer<Map<String, GgufValue>> change)
            throws IOException {
        try (GgufFile in = GgufFile.open(source)) {
            Map<String, GgufValue> metadata = new LinkedHashMap<>(in.metadata());
            change.accept(metadata);
            copy(in, target, metadata);
        }
    }

    /** Writes the tensors of {@code in} to {@code target} under {@code metadata}. */
    private static void copy(GgufFile in, Path target, Map<String, GgufValue> metadata) throws IOException {
        try (GgufWriter out = GgufWriter.create(target)) {
            metadata.forEach(out::put); // general.alignment, if any, before the tensors whose offsets it sets
            for (GgufTensorInfo tensor : in.tensors()) {
                out.addTensor(tensor.name(), tensor.type(), tensor.shape());
            }
            for (GgufTensorInfo tensor : in.tensors()) {
                out.writeTensor(tensor.name(), in.tensor(tensor));
            }
        }
    }

    /** Where the structure of a file lies, so byte mutations hit it more often than tensor data. */
    public record Layout(int metadataEnd, int tensorInfoStart, int dataStart, int size) {
        /** The layout of a file (its tensor infos precede the data, padded to the alignment). */
        public static Layout of(GgufFile gguf) {
            long infoBytes = 0;
            for (GgufTensorInfo tensor : gguf.tensors()) {
                infoBytes += 8 + tensor.name().getBytes(StandardCharsets.UTF_8).length + 4
                        + 8L * tensor.dimensionCount() + 4 + 8;
            }
            int dataStart = Math.toIntExact(gguf.dataStart());
            int infoStart = (int) Math.max(24, dataStart - infoBytes - gguf.alignment());
            return new Layout(Math.min(dataStart, 4096), infoStart, dataStart,
                    Math.toIntExact(gguf.image().byteSize()));
        }
    }

    /** The byte-level mutations {@link #mutateBytes} makes. */
    public enum Kind { FLIP, TRUNCATE, ABSURD_FIELD, RANDOM_FIELD, TENSOR_INFO_FIELD }

    /** A damaged copy of {@code original}: what {@code kind} does, at places {@code random} picks. */
    public static byte[] mutateBytes(byte[] original, Layout layout, Kind kind, Random random) {
        byte[] mutant = original.clone();
        ByteBuffer buffer = ByteBuffer.wrap(mutant).order(ByteOrder.LITTLE_ENDIAN);
        switch (kind) {
            case FLIP -> {
                for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                    mutant[structuralPosition(layout, random, 1)] ^= (byte) (1 + random.nextInt(255));
                }
            }
            case TRUNCATE -> mutant = Arrays.copyOf(original,
                    random.nextBoolean() ? random.nextInt(layout.dataStart()) : random.nextInt(original.length));
            case ABSURD_FIELD -> buffer.putLong(structuralPosition(layout, random, 8),
                    ABSURD[random.nextInt(ABSURD.length)]);
            case RANDOM_FIELD -> {
                int at = structuralPosition(layout, random, 8);
                if (random.nextBoolean()) {
                    buffer.putInt(at, random.nextInt());
                } else {
                    buffer.putLong(at, random.nextLong() >>> random.nextInt(64));
                }
            }
            case TENSOR_INFO_FIELD -> { // n_dims, a dimension, the type or the offset of one tensor
                int at = layout.tensorInfoStart() + random.nextInt(layout.dataStart() - layout.tensorInfoStart() - 8);
                buffer.putInt(at, switch (random.nextInt(4)) {
                    case 0 -> random.nextInt(64);                 // a small, maybe unknown, type or count
                    case 1 -> (int) ABSURD[random.nextInt(ABSURD.length)];
                    case 2 -> buffer.getInt(at) + (random.nextBoolean() ? 1 : -1) * (1 + random.nextInt(64));
                    default -> random.nextInt();
                });
            }
        }
        return mutant;
    }

    /** A position for a {@code width}-byte field: the general metadata, the tensor infos, or anywhere in the header. */
    private static int structuralPosition(Layout layout, Random random, int width) {
        return switch (random.nextInt(3)) {
            case 0 -> random.nextInt(layout.metadataEnd() - width);
            case 1 -> layout.tensorInfoStart() + random.nextInt(layout.dataStart() - layout.tensorInfoStart() - width);
            default -> random.nextInt(layout.dataStart() - width);
        };
    }
}
