package dev.chorus.server.cli;

import dev.chorus.engine.Engine;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/** Starts an engine from a config file, telling the user what is happening while models load. */
final class Loading {
    private Loading() {
    }

    static Engine start(Path config, PrintStream log) {
        log.println("chorus: loading " + config + " ...");
        long start = System.nanoTime();
        Engine engine = Engine.start(config);
        log.printf(Locale.ROOT, "chorus: ready in %.1f s, serving %s%n", (System.nanoTime() - start) / 1e9,
                engine.collaborations());
        return engine;
    }
}
