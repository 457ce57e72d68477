package dev.chorus.engine.config;

import java.util.Arrays;
import java.util.Optional;

/** The kinds of logit-level collaboration a config can declare; every model is also served as {@link #SINGLE}. */
public enum CollaborationKind {
    SINGLE("single"),
    ENSEMBLE("ensemble"),
    CONTRASTIVE("contrastive"),
    PROXY("proxy");

    private final String configName;

    CollaborationKind(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    static Optional<CollaborationKind> fromConfigName(String name) {
        return Arrays.stream(values()).filter(kind -> kind.configName.equals(name)).findFirst();
    }
}
