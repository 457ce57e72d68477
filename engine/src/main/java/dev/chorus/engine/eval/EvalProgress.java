package dev.chorus.engine.eval;

/** Told after every window of an evaluation. */
@FunctionalInterface
public interface EvalProgress {
    EvalProgress NONE = (done, total) -> {
    };

    /** {@code done} of {@code total} windows are decoded and scored by every collaboration. */
    void windowDone(int done, int total);
}
