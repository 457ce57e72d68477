package dev.chorus.engine.config;

import java.util.Objects;

/** A config file that cannot be served; the message starts with {@code file:line:column} of the offending entry. */
public final class ConfigException extends RuntimeException {
    private final ConfigLocation location;

    public ConfigException(ConfigLocation location, String message) {
        this(location, message, null);
    }

    public ConfigException(ConfigLocation location, String message, Throwable cause) {
        super(Objects.requireNonNull(location, "location") + ": " + message, cause);
        this.location = location;
    }

    public ConfigLocation location() {
        return location;
    }

    public int line() {
        return location.line();
    }

    public int column() {
        return location.column();
    }
}
