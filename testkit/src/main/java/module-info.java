/** For tests: deterministic random-weight llama GGUF fixtures, where the real models are, log capture. */
module chorus.testkit {
    requires transitive chorus.gguf;
    requires chorus.natives;
    requires java.logging;

    exports dev.chorus.testkit;
}
