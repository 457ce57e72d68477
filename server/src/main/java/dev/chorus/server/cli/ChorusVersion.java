package dev.chorus.server.cli;

import dev.chorus.server.http.ChorusServer;
import picocli.CommandLine.IVersionProvider;

/** The version printed by {@code chorus --version}: the jar's, and the llama.cpp release it binds. */
final class ChorusVersion implements IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {ChorusServer.version(), "llama.cpp v0.5.0 (node-llama-cpp 3.22.1 build)"};
    }
}
