package dev.chorus.server.cli;

import dev.chorus.engine.Completion;
import dev.chorus.engine.Engine;
import dev.chorus.engine.Generation;
import dev.chorus.engine.GenerationEvent;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.Message;
import dev.chorus.engine.Prompt;
import dev.chorus.engine.Sampling;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code chorus run}: one prompt through one model or collaboration, streamed to the terminal. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Generate text for one prompt with a model or collaboration, streaming it to the terminal.")
final class RunCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config = new ConfigOption();

    @Option(names = {"-m", "--model"}, paramLabel = "NAME",
            description = "model or collaboration to use (default: the config's last collaboration)")
    String model;

    @Parameters(paramLabel = "PROMPT", arity = "0..*",
            description = "the prompt (default: read from standard input)")
    List<String> prompt;

    @Option(names = "--chat", description = "wrap the prompt as a user message in the model's chat template")
    boolean chat;

    @Option(names = {"-n", "--max-tokens"}, defaultValue = "128", description = "most tokens to generate (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = {"-t", "--temperature"}, defaultValue = "0.8", description = "0 for greedy (default: ${DEFAULT-VALUE})")
    float temperature;

    @Option(names = "--top-p", defaultValue = "0.95", description = "nucleus filter (default: ${DEFAULT-VALUE})")
    float topP;

    @Option(names = "--top-k", defaultValue = "40", description = "0 for no top-k filter (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--repeat-penalty", defaultValue = "1.1", description = "llama.cpp's repetition penalty (default: ${DEFAULT-VALUE})")
    float repeatPenalty;

    @Option(names = "--seed", defaultValue = "42", description = "RNG seed: the same seed gives the same text (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "stop string (repeatable)")
    List<String> stop = List.of();

    @Override
    public Integer call() throws Exception {
        String text = prompt == null || prompt.isEmpty()
                ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8).strip()
                : String.join(" ", prompt);
        if (text.isEmpty()) {
            throw new IllegalArgumentException("the prompt is empty");
        }
        try (Engine engine = Loading.start(config.resolve(), System.err)) {
            String name = model != null ? model : engine.collaborations().getLast();
            Sampling sampling = Sampling.sampled(temperature, seed).withTopK(topK).withTopP(topP)
                    .withRepeatPenalty(repeatPenalty);
            Prompt input = chat ? new Prompt.Chat(List.of(new Message("user", text))) : new Prompt.Text(text);
            GenerationRequest request = GenerationRequest.of(input, maxTokens).withSampling(sampling)
                    .withStop(stop.toArray(String[]::new));
            PrintStream out = System.out;
            if (!chat) {
                out.print(text);
            }
            long start = System.nanoTime();
            Completion completion = stream(engine.submit(name, request), out);
            double seconds = (System.nanoTime() - start) / 1e9;
            out.println();
            System.err.printf(Locale.ROOT, "[%s: %d prompt + %d generated tokens in %.2f s, %.1f tokens/s, finish: %s]%n",
                    name, completion.usage().promptTokens(), completion.usage().completionTokens(), seconds,
                    completion.usage().completionTokens() / seconds, completion.reason());
            return completion.error().isPresent() ? 1 : 0;
        }
    }

    /** Prints each text delta as it arrives; returns the completion. */
    private static Completion stream(Generation generation, PrintStream out) throws InterruptedException, IOException {
        while (true) {
            GenerationEvent event = generation.nextEvent();
            if (event instanceof GenerationEvent.Token token) {
                out.print(token.text());
                out.flush();
            } else {
                Completion completion = generation.await();
                completion.error().ifPresent(error -> System.err.println("chorus: generation failed: " + error));
                return completion;
            }
        }
    }
}
