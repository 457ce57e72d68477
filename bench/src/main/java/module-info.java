/**
 * JMH benchmarks of the kernels and end-to-end drivers of the engine and server. Compiled as a module for its
 * layering; run from the shaded {@code target/benchmarks.jar} on the class path, as JMH expects.
 */
module chorus.bench {
    requires chorus.engine;
    requires chorus.gguf;
    requires chorus.kernels;
    requires chorus.llama;
    requires chorus.server;
    requires chorus.testkit;
    requires com.fasterxml.jackson.databind;
    requires java.management;
    requires jdk.management;
    requires java.net.http;
    requires jmh.core;
}
