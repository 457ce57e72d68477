package dev.chorus.testkit;

/** A real tokenizer from llama.cpp's {@code models/} folder, packed in chorus-native, that a fixture model copies. */
public enum FixtureVocabulary {
    /** Llama 1/2's 32000-token SentencePiece vocabulary ({@code ggml-vocab-llama-spm.gguf}). */
    SPM("ggml-vocab-llama-spm.gguf", 32000),
    /** Llama 3's 128256-token BPE vocabulary ({@code ggml-vocab-llama-bpe.gguf}). */
    LLAMA3_BPE("ggml-vocab-llama-bpe.gguf", 128256);

    private final String fileName;
    private final int tokenCount;

    FixtureVocabulary(String fileName, int tokenCount) {
        this.fileName = fileName;
        this.tokenCount = tokenCount;
    }

    /** Tokens in the vocabulary ({@code llama.vocab_size} of a model that copies it). */
    public int tokenCount() {
        return tokenCount;
    }

    /** Classpath location of the vocabulary GGUF inside chorus-native. */
    public String resource() {
        return "/dev/chorus/natives/llama-vocab/" + fileName;
    }
}
