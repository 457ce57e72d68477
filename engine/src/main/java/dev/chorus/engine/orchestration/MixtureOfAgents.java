package dev.chorus.engine.orchestration;

import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.Member;

import java.util.Collections;
import java.util.List;

/**
 * Proposers answer in parallel; in each further layer they answer again with the previous layer's proposals
 * before the prompt ({@link Prompts#AGGREGATION}); the aggregator then writes the answer, streamed, from the last
 * layer's proposals under the same instructions. Cost: layers × proposers + 1 model calls.
 */
final class MixtureOfAgents implements Strategy {
    private final List<Member> proposers;
    private final Member aggregator;
    private final int layers;

    MixtureOfAgents(List<Member> proposers, Member aggregator, int layers) {
        this.proposers = List.copyOf(proposers);
        this.aggregator = aggregator;
        this.layers = layers;
    }

    @Override
    public void check(GenerationRequest request) {
        Prompts.query(request.prompt(), "a mixture of agents");
    }

    @Override
    public MemberAnswer answer(Session session, GenerationRequest request) throws InterruptedException {
        GenerationRequest layerRequest = request;
        for (int layer = 0; layer < layers; layer++) {
            List<MemberAnswer> proposals = session.awaitAll(proposers, "proposer",
                    Collections.nCopies(proposers.size(), layerRequest));
            layerRequest = request.withPrompt(Prompts.withInstructions(request.prompt(),
                    Prompts.aggregation(proposals.stream().map(MemberAnswer::text).toList()), "a mixture of agents"));
        }
        return session.await(session.start(aggregator, "aggregator", layerRequest), true);
    }
}
