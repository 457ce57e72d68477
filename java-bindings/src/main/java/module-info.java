/**
 * Hand-written FFM bindings to llama.cpp's C API behind a small checked API. Only the safe facade
 * ({@code dev.chorus.llama}) is exported: {@code dev.chorus.llama.internal}, the one package that touches native
 * addresses, stays inside.
 */
module chorus.llama {
    requires transitive chorus.natives;

    exports dev.chorus.llama;
    exports dev.chorus.llama.rpc;
}
