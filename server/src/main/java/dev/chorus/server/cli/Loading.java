package dev.chorus.server.cli;

import dev.chorus.engine.Engine;
import dev.chorus.engine.ConfigValidator;
import dev.chorus.engine.config.EngineConfig;
import dev.chorus.engine.merge.MergedModels;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/** Starts an engine from a config file, telling the user what is happening while models load. */
final class Loading {
    /** How long probing one model file may take: loading it and decoding one token. */
    private static final Duration PROBE_PER_FILE = Duration.ofMinutes(5);

    private Loading() {
    }

    static Engine start(Path config, PrintStream log) {
        return start(config, log, false);
    }

    /**
     * @param probe first load every model file in a child process ({@link ConfigValidator#probe}), so that a file
     *              that makes llama.cpp abort stops the start with an error instead of ending this process
     */
    static Engine start(Path config, PrintStream log, boolean probe) {
        log.println("chorus: loading " + config + " ...");
        long start = System.nanoTime();
        EngineConfig prepared = MergedModels.prepare(EngineConfig.load(config));
        if (probe) {
            ConfigValidator.validate(prepared);
            ConfigValidator.probe(prepared, PROBE_PER_FILE);
            log.printf(Locale.ROOT, "chorus: %d model file(s) probed in a child process in %.1f s%n",
                    prepared.models().size(), (System.nanoTime() - start) / 1e9);
        }
        Engine engine = Engine.start(prepared);
        log.printf(Locale.ROOT, "chorus: ready in %.1f s, serving %s%n", (System.nanoTime() - start) / 1e9,
                engine.collaborations());
        return engine;
    }
}
