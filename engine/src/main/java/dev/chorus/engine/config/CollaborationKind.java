package dev.chorus.engine.config;

import java.util.Arrays;
import java.util.Optional;

/**
 * The kinds of collaboration a config can declare; every model is also served as {@link #SINGLE}. The first four
 * fuse logits at every step; the orchestrated kinds ({@link #orchestrated()}) combine whole answers of members.
 */
public enum CollaborationKind {
    SINGLE("single"),
    ENSEMBLE("ensemble"),
    CONTRASTIVE("contrastive"),
    PROXY("proxy"),
    ROUTER("router"),
    CASCADE("cascade"),
    MOA("moa"),
    DEBATE("debate");

    private final String configName;

    CollaborationKind(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    /** Whether this kind combines members' answers (text level) rather than their logits. */
    public boolean orchestrated() {
        return ordinal() >= ROUTER.ordinal();
    }

    static Optional<CollaborationKind> fromConfigName(String name) {
        return Arrays.stream(values()).filter(kind -> kind.configName.equals(name)).findFirst();
    }
}
