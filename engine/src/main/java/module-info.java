/**
 * Collaboration: config and registry, continuous-batching schedulers, orchestrations, merging, evaluation. Its API
 * carries its own value types ({@code Sampling}, {@code Message}, {@code FusionOverrides}, {@code ServedModel}), so
 * callers need neither the kernels nor the llama.cpp bindings, which it reads without re-exporting them.
 */
module chorus.engine {
    requires chorus.gguf;
    requires chorus.llama;
    requires chorus.kernels;
    requires com.fasterxml.jackson.databind;
    requires org.yaml.snakeyaml;
    requires java.net.http;
    requires jdk.management;

    exports dev.chorus.engine;
    exports dev.chorus.engine.config;
    exports dev.chorus.engine.constraint;
    exports dev.chorus.engine.eval;
    exports dev.chorus.engine.merge;
    exports dev.chorus.engine.probe;
    exports dev.chorus.engine.remote;
}
