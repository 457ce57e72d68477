package dev.chorus.server.cli;

import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The {@code --config} option shared by the commands that start an engine; without it they use the
 * embedded demo config of the distribution ({@code examples/demo.yaml} beside {@code bin/}).
 */
final class ConfigOption {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "YAML config of models and collaborations (default: the embedded demo config)")
    Path config;

    Path resolve() {
        if (config != null) {
            return config;
        }
        Path demo = DemoModels.home().resolve("examples/demo.yaml");
        if (!Files.isRegularFile(demo)) {
            throw new IllegalArgumentException("no --config given and no embedded demo config at " + demo);
        }
        DemoModels.ensurePresent();
        return demo;
    }
}
