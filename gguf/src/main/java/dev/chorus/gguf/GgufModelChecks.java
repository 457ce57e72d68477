package dev.chorus.gguf;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The values of a well-formed GGUF model that make llama.cpp v0.5.0 abort the process ({@code GGML_ASSERT}, a
 * division by zero, an assert at the first decode) instead of failing the load: checked here first, each a
 * {@link GgufFormatException} naming the file and the key. Values llama.cpp refuses with an error of its own (a
 * missing key, a wrong type, a tensor of the wrong shape) are left to it. The rules follow
 * {@code llama_model_base::load_hparams} ({@code src/llama-model.cpp}), {@code llama_vocab::impl::load}
 * ({@code src/llama-vocab.cpp}), the mmap path of {@code src/llama-model-loader.cpp} and the ggml operations the
 * graph builds ({@code ggml_rms_norm}, {@code ggml_mul_mat}).
 */
public final class GgufModelChecks {
    /** {@code LLAMA_MAX_LAYERS}. */
    public static final int MAX_LAYERS = 512;
    /** {@code LLAMA_MAX_EXPERTS}. */
    public static final int MAX_EXPERTS = 1024;
    /** ggml's {@code TENSOR_ALIGNMENT}: a memory-mapped buffer must start on it. */
    public static final int TENSOR_ALIGNMENT = 32;
    /** The {@code tokenizer.ggml.model} values {@code llama_vocab::impl::load} knows. */
    public static final Set<String> TOKENIZER_MODELS = Set.of("no_vocab", "none", "llama", "bert", "gpt2",
            "hybriddna", "whitespace", "t5", "rwkv", "test", "plamo2", "gemma4");
    /** {@code LLAMA_ROPE_SCALING_TYPES}. */
    public static final Set<String> ROPE_SCALING_TYPES = Set.of("none", "linear", "yarn", "longrope");

    private static final Pattern LAYER_TENSOR = Pattern.compile("blk\\.(\\d{1,9})\\..*");
    private static final Pattern EPSILON_KEY = Pattern.compile(".*(epsilon|_eps)");

    private final GgufFile gguf;
    private final Path file;

    private GgufModelChecks(GgufFile gguf) {
        this.gguf = gguf;
        this.file = gguf.path();
    }

    /**
     * Checks a model file before llama.cpp loads it.
     *
     * @throws GgufFormatException naming the file and the key of the first value llama.cpp would abort on
     */
    public static void check(GgufFile gguf) throws GgufFormatException {
        GgufModelChecks checks = new GgufModelChecks(gguf);
        checks.tensorAlignment();
        checks.vocabulary();
        Optional<String> architecture = checks.text("general.architecture");
        if (architecture.isPresent() && !gguf.tensors().isEmpty()) {
            checks.hyperparameters(architecture.get() + ".");
        }
    }

    /**
     * With mmap, each tensor's bytes become a CPU buffer that ggml asserts starts on 32 bytes; the parser has
     * already placed every tensor on {@code general.alignment}, so only a smaller alignment can break this.
     */
    private void tensorAlignment() throws GgufFormatException {
        for (GgufTensorInfo tensor : gguf.tensors()) {
            long start = gguf.dataStart() + tensor.dataOffset();
            if (start % TENSOR_ALIGNMENT != 0) {
                throw problem(GgufParser.ALIGNMENT_KEY, "is " + gguf.alignment() + ": tensor '" + tensor.name()
                        + "' starts at byte " + start + ", and ggml needs tensor data on " + TENSOR_ALIGNMENT
                        + " bytes");
            }
        }
    }

    private void hyperparameters(String prefix) throws GgufFormatException {
        String blockCountKey = prefix + "block_count";
        OptionalLong blockCount = integer(blockCountKey);
        if (blockCount.isEmpty()) {
            return; // llama.cpp refuses the file itself: the key is required
        }
        long layers = blockCount.getAsLong();
        if (layers < 1 || layers > MAX_LAYERS) {
            throw problem(blockCountKey, "is " + layers + ", must be 1 to " + MAX_LAYERS);
        }
        layerTensors(blockCountKey, (int) layers);
        OptionalLong nextn = integer(prefix + "nextn_predict_layers");
        if (nextn.isPresent() && nextn.getAsLong() > layers) {
            throw problem(prefix + "nextn_predict_layers", "is " + nextn.getAsLong() + ", more than the "
                    + layers + " layers of " + blockCountKey);
        }
        experts(prefix);
        attentionHeads(prefix, (int) layers);
        Optional<String> ropeScaling = text(prefix + "rope.scaling.type");
        if (ropeScaling.isPresent() && !ROPE_SCALING_TYPES.contains(ropeScaling.get())) {
            throw problem(prefix + "rope.scaling.type", "is '" + ropeScaling.get() + "', not one of "
                    + ROPE_SCALING_TYPES);
        }
        epsilons(prefix);
    }

    /** The {@code blk.N.*} tensors must number exactly the declared layers. */
    private void layerTensors(String blockCountKey, int layers) throws GgufFormatException {
        int highest = -1;
        for (GgufTensorInfo tensor : gguf.tensors()) {
            Matcher layer = LAYER_TENSOR.matcher(tensor.name());
            if (layer.matches()) {
                int index = Integer.parseInt(layer.group(1));
                if (index >= layers) {
                    throw problem(blockCountKey, "is " + layers + ", but the file has tensor '" + tensor.name() + "'");
                }
                highest = Math.max(highest, index);
            }
        }
        if (highest >= 0 && highest + 1 != layers) {
            throw problem(blockCountKey, "is " + layers + ", but the file's tensors stop at layer " + highest);
        }
    }

    /** The expert counts {@code load_hparams} asserts on, in its order. */
    private void experts(String prefix) throws GgufFormatException {
        String countKey = prefix + "expert_count";
        String usedKey = prefix + "expert_used_count";
        String groupsKey = prefix + "expert_group_count";
        String groupsUsedKey = prefix + "expert_group_used_count";
        long experts = integer(countKey).orElse(0);
        long used = maxOfIntegerOrArray(usedKey).orElse(0);
        long groups = integer(groupsKey).orElse(0);
        long groupsUsed = integer(groupsUsedKey).orElse(0);
        if (experts > MAX_EXPERTS) {
            throw problem(countKey, "is " + experts + ", more than llama.cpp's " + MAX_EXPERTS);
        }
        if (used > experts) {
            throw problem(usedKey, "is " + used + ", more than the " + experts + " experts of " + countKey);
        }
        if (experts == 0) {
            if (groups != 0) {
                throw problem(groupsKey, "is " + groups + " in a model without experts");
            }
            return;
        }
        if (used == 0) {
            throw problem(usedKey, "is 0 (or absent) in a model with " + experts + " experts");
        }
        if (groups >= experts) {
            throw problem(groupsKey, "is " + groups + ", must be fewer than the " + experts + " experts");
        }
        if (groups > 1 && (experts % groups != 0 || groupsUsed <= 0 || groupsUsed >= groups)) {
            throw problem(groups > 1 && experts % groups != 0 ? groupsKey : groupsUsedKey, "does not fit: "
                    + experts + " experts in " + groups + " groups, " + groupsUsed + " groups used");
        }
    }

    /**
     * Head counts, per layer or one for all: the key/value heads must divide the heads (attention broadcasts the
     * keys over groups of heads), and without an explicit key length the heads must divide the embedding.
     */
    private void attentionHeads(String prefix, int layers) throws GgufFormatException {
        String headsKey = prefix + "attention.head_count";
        String kvHeadsKey = prefix + "attention.head_count_kv";
        Optional<long[]> heads = perLayer(headsKey, layers);
        if (heads.isEmpty()) {
            return;
        }
        long[] kvHeads = perLayer(kvHeadsKey, layers).orElse(heads.get());
        for (int layer = 0; layer < layers; layer++) {
            long h = heads.get()[layer];
            long kv = kvHeads[layer];
            if (h > 0 && kv > 0 && h % kv != 0) {
                throw problem(kvHeadsKey, "is " + kv + " at layer " + layer + ", which does not divide the " + h
                        + " heads of " + headsKey);
            }
            if (h > 0 && kv > h) {
                throw problem(kvHeadsKey, "is " + kv + " at layer " + layer + ", more than the " + h + " heads");
            }
        }
        long firstHeads = heads.get()[0];
        OptionalLong embedding = integer(prefix + "embedding_length");
        if (firstHeads > 0 && embedding.isPresent() && !gguf.contains(prefix + "attention.key_length")
                && embedding.getAsLong() % firstHeads != 0) {
            throw problem(headsKey, "is " + firstHeads + ", which does not divide " + prefix + "embedding_length "
                    + embedding.getAsLong() + " into heads");
        }
    }

    /** ggml's norms assert {@code eps >= 0} at the first decode; NaN fails that too. */
    private void epsilons(String prefix) throws GgufFormatException {
        for (var entry : gguf.metadata().entrySet()) {
            String key = entry.getKey();
            if (key.startsWith(prefix) && EPSILON_KEY.matcher(key).matches()) {
                double value = switch (entry.getValue()) {
                    case GgufValue.Float32(float v) -> v;
                    case GgufValue.Float64(double v) -> v;
                    default -> 0; // another type is llama.cpp's own error
                };
                if (!(value >= 0) || Double.isInfinite(value)) {
                    throw problem(key, "is " + value + ", must be a finite number >= 0");
                }
            }
        }
    }

    /**
     * A tokenizer llama.cpp knows, and a token list it can index: not empty, no token twice (its token-to-id map
     * would be smaller than the list, which it asserts against; an empty token counts as "[EMPTY_i]", the name
     * llama.cpp gives it), and a beginning-of-sequence token where it will add one.
     */
    private void vocabulary() throws GgufFormatException {
        Optional<String> tokenizer = text(GgufVocabulary.MODEL_KEY);
        if (tokenizer.isEmpty()) {
            return;
        }
        if (!TOKENIZER_MODELS.contains(tokenizer.get())) {
            throw problem(GgufVocabulary.MODEL_KEY, "is '" + tokenizer.get() + "', not a tokenizer llama.cpp knows "
                    + "(llama, gpt2, bert, t5, rwkv, plamo2, gemma4, ...)");
        }
        if (tokenizer.get().equals("none") || tokenizer.get().equals("no_vocab")
                || !(gguf.find(GgufVocabulary.TOKENS_KEY).orElse(null) instanceof GgufValue.Array tokens)
                || tokens.elementType() != GgufValueType.STRING) {
            return;
        }
        List<GgufValue> words = tokens.elements();
        if (words.isEmpty()) {
            throw problem(GgufVocabulary.TOKENS_KEY, "is empty: a '" + tokenizer.get() + "' tokenizer needs tokens");
        }
        Set<String> seen = new HashSet<>(words.size() * 2);
        for (int id = 0; id < words.size(); id++) {
            String word = ((GgufValue.Text) words.get(id)).value();
            if (!seen.add(word.isEmpty() ? "[EMPTY_" + id + "]" : word)) {
                throw problem(GgufVocabulary.TOKENS_KEY, "holds token " + id + " '" + abbreviated(word)
                        + "' twice");
            }
        }
        if (tokenizer.get().equals("llama")) {
            byteTokens(seen);
        }
        specialTokens(tokenizer.get(), words.size());
    }

    /**
     * A SentencePiece vocabulary spells what it has no piece for byte by byte, looking up {@code <0xXX>} with
     * {@code std::map::at}: a missing byte token ends the process with {@code std::out_of_range} while tokenizing.
     */
    private void byteTokens(Set<String> tokens) throws GgufFormatException {
        for (int value = 0; value < 256; value++) {
            String token = String.format("<0x%02X>", value);
            if (!tokens.contains(token)) {
                throw problem(GgufVocabulary.TOKENS_KEY, "lacks the byte token " + token + ": a 'llama' "
                        + "(SentencePiece) tokenizer needs all 256, <0x00> to <0xFF>, to spell unknown text");
            }
        }
    }

    /**
     * SentencePiece vocabularies add a BOS token unless told not to (default id 1); a BOS, EOS or SEP token a file
     * asks to add must exist, or tokenizing asserts at the first request.
     */
    private void specialTokens(String tokenizer, int tokenCount) throws GgufFormatException {
        boolean sentencePiece = tokenizer.equals("llama");
        requireSpecial("bos", sentencePiece, sentencePiece ? 1 : -1, tokenCount);
        requireSpecial("eos", false, sentencePiece ? 2 : -1, tokenCount);
        requireSpecial("sep", false, -1, tokenCount);
    }

    private void requireSpecial(String name, boolean addedByDefault, long defaultId, int tokenCount)
            throws GgufFormatException {
        String addKey = "tokenizer.ggml.add_" + name + "_token";
        boolean added = gguf.find(addKey).orElse(null) instanceof GgufValue.Bool(boolean value)
                ? value : addedByDefault;
        if (!added) {
            return;
        }
        String idKey = "tokenizer.ggml." + name + "_token_id";
        OptionalLong configured = integer(idKey);
        // llama.cpp keeps the default id when the configured one is out of range, and drops a default out of range
        long id = configured.isPresent() && configured.getAsLong() < tokenCount ? configured.getAsLong() : defaultId;
        if (id < 0 || id >= tokenCount) {
            throw problem(configured.isPresent() ? idKey : addKey, "asks for a " + name.toUpperCase()
                    + " token, but " + (configured.isPresent() ? "id " + configured.getAsLong() : "none")
                    + " is among the " + tokenCount + " tokens");
        }
    }

    /** One value per layer: an array of exactly {@code layers} integers, or one integer for every layer. */
    private Optional<long[]> perLayer(String key, int layers) throws GgufFormatException {
        Optional<GgufValue> value = gguf.find(key);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        long[] values = new long[layers];
        if (value.get() instanceof GgufValue.Array array) {
            if (array.size() != layers) {
                return Optional.empty(); // llama.cpp refuses a wrong length itself
            }
            for (int i = 0; i < layers; i++) {
                values[i] = integer(key, array.elements().get(i)).orElse(0);
            }
        } else {
            Arrays.fill(values, integer(key).orElse(0));
        }
        return Optional.of(values);
    }

    private OptionalLong maxOfIntegerOrArray(String key) throws GgufFormatException {
        if (gguf.find(key).orElse(null) instanceof GgufValue.Array array) {
            long max = 0;
            for (GgufValue element : array.elements()) {
                max = Math.max(max, integer(key, element).orElse(0));
            }
            return OptionalLong.of(max);
        }
        return integer(key);
    }

    private OptionalLong integer(String key) throws GgufFormatException {
        Optional<GgufValue> value = gguf.find(key);
        return value.isEmpty() ? OptionalLong.empty() : integer(key, value.get());
    }

    /** An integer of any GGUF integer type; another type is llama.cpp's own error, so none here. */
    private OptionalLong integer(String key, GgufValue value) throws GgufFormatException {
        return switch (value) {
            case GgufValue.UInt8(int v) -> OptionalLong.of(v);
            case GgufValue.Int8(byte v) -> OptionalLong.of(v);
            case GgufValue.UInt16(int v) -> OptionalLong.of(v);
            case GgufValue.Int16(short v) -> OptionalLong.of(v);
            case GgufValue.UInt32(long v) -> OptionalLong.of(v);
            case GgufValue.Int32(int v) -> OptionalLong.of(v);
            case GgufValue.Int64(long v) -> OptionalLong.of(v);
            case GgufValue.UInt64(long bits) when bits >= 0 -> OptionalLong.of(bits);
            case GgufValue.UInt64(long bits) -> throw problem(key, "is " + Long.toUnsignedString(bits)
                    + ", out of range");
            default -> OptionalLong.empty();
        };
    }

    private Optional<String> text(String key) {
        return gguf.find(key).orElse(null) instanceof GgufValue.Text(String value) ? Optional.of(value)
                : Optional.empty();
    }

    private GgufFormatException problem(String key, String problem) {
        return new GgufFormatException(file, key, problem);
    }

    private static String abbreviated(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }
}
