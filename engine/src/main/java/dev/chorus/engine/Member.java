package dev.chorus.engine;

import dev.chorus.engine.Generation;
import dev.chorus.engine.GenerationRequest;

import java.util.Objects;
import java.util.function.Function;

/** Something an orchestration can ask for an answer: a served model or collaboration, or a remote endpoint. */
public interface Member {
    String name();

    /**
     * Starts an answer.
     *
     * @throws IllegalArgumentException a request this member cannot run
     * @throws dev.chorus.engine.OverloadedException when it admits no more requests now
     */
    Generation submit(GenerationRequest request);

    /** A member answered by {@code submit} (e.g. {@code engine::submit} bound to a served name). */
    static Member of(String name, Function<GenerationRequest, Generation> submit) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(submit, "submit");
        return new Member() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Generation submit(GenerationRequest request) {
                return submit.apply(request);
            }
        };
    }
}
