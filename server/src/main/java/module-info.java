/**
 * The OpenAI-compatible HTTP API and the {@code chorus} CLI. It reads the engine only: an import of a kernel or
 * llama.cpp binding type does not compile.
 */
module chorus.server {
    requires chorus.engine;
    requires chorus.gguf;
    requires chorus.natives;
    requires com.fasterxml.jackson.databind;
    requires info.picocli;
    requires jdk.httpserver;
    requires java.net.http;

    exports dev.chorus.server.http;

    opens dev.chorus.server.cli to info.picocli;
}
