package dev.chorus.engine;

import java.util.Objects;

/**
 * A request the engine refuses, naming the parameter at fault as the HTTP API spells it ({@code temperature},
 * {@code messages[2].role}, {@code chorus.weights}; {@code null} when no single parameter is to blame, such as a
 * prompt longer than the context). The engine owns every rule a request must meet; the server maps this to a 400.
 */
public sealed class InvalidRequest extends IllegalArgumentException permits ContextLengthExceeded {
    private static final long serialVersionUID = 1L;

    private final String param;

    public InvalidRequest(String param, String message) {
        super(Objects.requireNonNull(message, "message"));
        this.param = param;
    }

    /** The parameter at fault, or {@code null}. */
    public String param() {
        return param;
    }

    /** Throws {@code InvalidRequest(param, …)} unless {@code min ≤ value ≤ max} (NaN fails). */
    static void requireRange(String param, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new InvalidRequest(param, "'" + param + "' must be between " + format(min) + " and " + format(max)
                    + ", got " + format(value) + ".");
        }
    }

    private static String format(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
    }
}
