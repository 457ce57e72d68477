package dev.chorus.testkit;

import dev.chorus.gguf.GgmlType;
import dev.chorus.gguf.GgufFile;
import dev.chorus.gguf.GgufWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes random-weight llama-architecture GGUF models that llama.cpp loads and decodes, with a real vocabulary from
 * llama.cpp's {@code models/} folder ({@link FixtureVocabulary}). Tensors stream chunk by chunk, so memory stays small
 * whatever the shape.
 */
public final class FixtureModels {
    /** Classpath location of the default (SentencePiece) vocabulary inside chorus-native. */
    public static final String VOCABULARY_RESOURCE = FixtureVocabulary.SPM.resource();
    private static final String TOKENIZER_PREFIX = "tokenizer.";
    private static final float RMS_EPSILON = 1e-5f;

    private static final Map<FixtureModel, Path> CACHE = new ConcurrentHashMap<>();

    private FixtureModels() {
    }

    /** Writes {@code model} to {@code target} atomically; the same spec always gives the same bytes. */
    public static void write(Path target, FixtureModel model) throws IOException {
        try (GgufFile vocabulary = GgufFile.open(vocabularyFile(model.vocabulary())); GgufWriter writer = GgufWriter.create(target)) {
            int vocabularySize = vocabulary.getArray(TOKENIZER_PREFIX + "ggml.tokens").size();
            if (vocabularySize != model.vocabulary().tokenCount()) {
                throw new IOException(model.vocabulary() + " has " + vocabularySize + " tokens, expected "
                        + model.vocabulary().tokenCount() + " (stale chorus-native jar?)");
            }
            writer.putString("general.architecture", "llama")
                    .putString("general.name", model.name())
                    .putUInt32("general.file_type", fileType(model.tensorType()))
                    .putUInt32("general.quantization_version", 2)
                    .putUInt32("llama.vocab_size", vocabularySize)
                    .putUInt32("llama.context_length", model.contextLength())
                    .putUInt32("llama.embedding_length", model.embeddingLength())
                    .putUInt32("llama.block_count", model.layers())
                    .putUInt32("llama.feed_forward_length", model.feedForwardLength())
                    .putUInt32("llama.attention.head_count", model.heads())
                    .putUInt32("llama.attention.head_count_kv", model.kvHeads())
                    .putUInt32("llama.rope.dimension_count", model.headSize())
                    .putFloat32("llama.rope.freq_base", model.ropeFreqBase())
                    .putFloat32("llama.attention.layer_norm_rms_epsilon", RMS_EPSILON)
                    .copyMetadata(vocabulary, key -> key.startsWith(TOKENIZER_PREFIX));
            List<FixtureTensor> tensors = FixtureTensor.of(model, vocabularySize);
            for (FixtureTensor tensor : tensors) {
                writer.addTensor(tensor.name(), tensor.type(), tensor.shape());
            }
            for (FixtureTensor tensor : tensors) {
                writer.writeTensor(tensor.name(), sink -> tensor.writeTo(sink, model.seed()));
            }
        }
    }

    /**
     * The path of {@code model} written once per JVM into a temporary folder deleted at exit. Callers must not modify
     * or delete the file.
     */
    public static Path cached(FixtureModel model) {
        return CACHE.computeIfAbsent(model, spec -> {
            Path file = FixtureCache.folder().resolve(spec.name() + "-" + Integer.toHexString(spec.hashCode()) + ".gguf");
            try {
                write(file, spec);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write fixture model " + spec, e);
            }
            return file;
        });
    }

    /** The llama SentencePiece vocabulary GGUF (no tensors), extracted once from chorus-native. */
    public static Path vocabularyFile() throws IOException {
        return vocabularyFile(FixtureVocabulary.SPM);
    }

    /** A vocabulary GGUF (no tensors), extracted once from chorus-native. */
    public static Path vocabularyFile(FixtureVocabulary vocabulary) throws IOException {
        return FixtureCache.resource(vocabulary.resource());
    }

    /** llama.cpp's {@code llama_ftype} for a model whose matrices are {@code type}. */
    private static int fileType(GgmlType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q8_0 -> 7;
            default -> throw new IllegalArgumentException("no llama file type for " + type);
        };
    }
}
