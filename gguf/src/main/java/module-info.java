/** GGUF files: the memory-mapped reader, the atomic streaming writer and block (de)quantisation. */
module chorus.gguf {
    exports dev.chorus.gguf;
    exports dev.chorus.gguf.quant;
}
