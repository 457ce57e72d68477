package dev.chorus.kernels.fusion;

/**
 * A {@link FusionRule} outside the contract of {@code kernels/FUSION.md}, naming the component at fault
 * ({@code weights}, {@code temperatures}, {@code lambda}, {@code alpha} or {@code method}) so that a caller
 * building the rule from a request can name the request's field.
 */
public final class InvalidFusionRule extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String component;

    public InvalidFusionRule(String component, String message) {
        super(message);
        this.component = component;
    }

    /** The record component at fault. */
    public String component() {
        return component;
    }
}
