package dev.chorus.kernels.fusion.cpu;

import dev.chorus.kernels.fusion.FusionBackend;
import dev.chorus.kernels.fusion.FusionShape;
import dev.chorus.kernels.fusion.LogitFusion;
import dev.chorus.kernels.fusion.LogitFusionFactory;
import java.util.Optional;

/** The Java Vector API backend: runs wherever the {@code jdk.incubator.vector} module is resolved. */
public final class JavaLogitFusionFactory implements LogitFusionFactory {

    @Override
    public FusionBackend backend() {
        return FusionBackend.JAVA;
    }

    @Override
    public Optional<String> unavailableReason() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
                ? Optional.empty()
                : Optional.of("the JVM runs without the Vector API: add --add-modules jdk.incubator.vector");
    }

    @Override
    public LogitFusion open(FusionShape shape) {
        unavailableReason().ifPresent(reason -> {
            throw new IllegalStateException(reason);
        });
        return new VectorLogitFusion(shape);
    }
}
