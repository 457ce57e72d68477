package dev.chorus.bench.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.chorus.bench.BenchResults;
import dev.chorus.engine.Completion;
import dev.chorus.engine.Engine;
import dev.chorus.engine.Generation;
import dev.chorus.engine.GenerationRequest;
import dev.chorus.engine.Prompt;
import dev.chorus.engine.config.EngineConfig;
import dev.chorus.engine.config.ModelSpec;
import dev.chorus.gguf.GgufFile;
import dev.chorus.gguf.GgufVocabulary;
import dev.chorus.kernels.fusion.FusionMethod;
import dev.chorus.kernels.fusion.FusionResult;
import dev.chorus.kernels.fusion.FusionRule;
import dev.chorus.kernels.fusion.FusionShape;
import dev.chorus.kernels.fusion.FusionStep;
import dev.chorus.kernels.fusion.LogitFusion;
import dev.chorus.kernels.fusion.LogitFusions;
import dev.chorus.kernels.fusion.SamplingParams;
import dev.chorus.testkit.FixtureModel;
import dev.chorus.testkit.StoredFixtures;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * End-to-end decoding benchmark: one member alone and the two members fused (log-linear, greedy), with
 * 1 and 32 concurrent streams, a prompt of 128 random tokens and 128 new tokens, through the real engine,
 * llama.cpp and fusion kernels. Writes {@code <out>/engine-<device>-<date>.json}, one object per case:
 * {@code {"device","shape","type","members","streams","single_tps","fused_tps","aggregate_tps",
 * "fusion_us_per_step","llama_bench_tps"}} ({@code *_tps} per stream except {@code aggregate_tps}, the fused
 * tokens of all streams per second; {@code llama_bench_tps} from {@code llama-bench} of the same build when
 * {@code --llama-bench} names it).
 *
 * <p>Arguments: {@code --member FILE} twice (two GGUF models sharing a vocabulary) or {@code --shape NAME}
 * ({@code llama-1b} or {@code llama-8b}: two random-weight F16 models of that shape with seeds 1 and 2, written once
 * into {@code ${chorus.cache.dir:-~/.cache/chorus}/bench-models} and reused), {@code --gpu-layers N}
 * (default 0), {@code --threads N} (default: the engine shares the CPUs between the members), {@code --streams 1,32}, {@code --prompt-tokens 128}, {@code --new-tokens 128},
 * {@code --device NAME} (the label in the file name and rows; default: the fusion device),
 * {@code --llama-bench PATH}, {@code --out DIR} (default {@code bench/results}). The llama.cpp build is chosen as
 * everywhere in Chorus: {@code -Dchorus.llama.dir} or {@code CHORUS_LLAMA_DIR}, else the bundled CPU libraries.
 */
public final class EngineBench {
    private static final int FUSION_WARMUP_STEPS = 50;
    private static final int FUSION_MEASURED_STEPS = 200;

    private EngineBench() {
    }

    record Options(List<Path> members, Optional<FixtureModel> shape, int gpuLayers, int threads, List<Integer> streams,
                   int promptTokens, int newTokens, Optional<String> device, Optional<Path> llamaBench, Path out) {
        static Options parse(String[] args) {
            List<Path> members = new ArrayList<>();
            Optional<FixtureModel> shape = Optional.empty();
            int gpuLayers = 0;
            int threads = ModelSpec.AUTO_THREADS;
            List<Integer> streams = List.of(1, 32);
            int promptTokens = 128;
            int newTokens = 128;
            Optional<String> device = Optional.empty();
            Optional<Path> llamaBench = Optional.empty();
            Path out = Path.of("bench/results");
            for (int i = 0; i < args.length; i += 2) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(args[i] + " needs a value");
                }
                String value = args[i + 1];
                switch (args[i]) {
                    case "--member" -> members.add(Path.of(value));
                    case "--shape" -> shape = Optional.of(FixtureModel.named(value));
                    case "--gpu-layers" -> gpuLayers = Integer.parseInt(value);
                    case "--threads" -> threads = Integer.parseInt(value);
                    case "--streams" -> streams = List.of(value.split(",")).stream().map(Integer::valueOf).toList();
                    case "--prompt-tokens" -> promptTokens = Integer.parseInt(value);
                    case "--new-tokens" -> newTokens = Integer.parseInt(value);
                    case "--device" -> device = Optional.of(value);
                    case "--llama-bench" -> llamaBench = Optional.of(Path.of(value));
                    case "--out" -> out = Path.of(value);
                    default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (see the Javadoc"
                            + " of " + EngineBench.class.getName() + ")");
                }
            }
            if (shape.isPresent() ? !members.isEmpty() : members.size() != 2) {
                throw new IllegalArgumentException("give --shape NAME or exactly two --member GGUF files (not both), got "
                        + shape.map(FixtureModel::name).orElse("no shape") + " and members " + members);
            }
            return new Options(members, shape, gpuLayers, threads, streams, promptTokens, newTokens, device, llamaBench, out);
        }

        /** These options with the members of {@code --shape} written (once) and named. */
        Options withShapeMembers() throws IOException {
            if (shape.isEmpty()) {
                return this;
            }
            return new Options(StoredFixtures.pair(shape.get()), shape, gpuLayers, threads, streams, promptTokens, newTokens,
                    device, llamaBench, out);
        }

        int maxStreams() {
            return streams.stream().mapToInt(Integer::intValue).max().orElseThrow();
        }
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args).withShapeMembers();
        ModelFacts facts = ModelFacts.read(options.members().getFirst(), options.shape());
        int vocabulary = facts.vocabulary();
        Path config = writeConfig(options);
        List<Map<String, Object>> rows = new ArrayList<>();
        String device;
        try (Engine engine = Engine.start(EngineConfig.load(config))) {
            device = options.device().orElseGet(() -> fusionDevice(vocabulary));
            Optional<Double> llamaBench = options.llamaBench().map(tool -> llamaBenchTps(tool, options));
            run(engine, "first", 1, options, vocabulary); // warm-up: JIT, llama.cpp graph allocation
            for (int streams : options.streams()) {
                Throughput single = run(engine, "first", streams, options, vocabulary);
                Throughput fused = run(engine, "fused", streams, options, vocabulary);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("device", device);
                row.put("shape", facts.shape());
                row.put("type", facts.tensorType());
                row.put("members", 2);
                row.put("streams", streams);
                row.put("single_tps", round(single.perStream()));
                row.put("fused_tps", round(fused.perStream()));
                row.put("aggregate_tps", round(fused.aggregate()));
                row.put("fusion_us_per_step", round(fusionMicrosPerStep(streams, vocabulary)));
                row.put("llama_bench_tps", llamaBench.map(EngineBench::round).orElse(null));
                rows.add(row);
                System.out.println(row);
            }
        } finally {
            Files.deleteIfExists(config);
        }
        Map<String, Object> file = new LinkedHashMap<>();
        file.put("machine", BenchResults.machine(Map.of("fusion", device)));
        file.put("date", Instant.now().toString());
        file.put("settings", Map.of("prompt_tokens", options.promptTokens(), "new_tokens", options.newTokens(),
                "decoding", "greedy; fused = log-linear pool 0.5/0.5", "gpu_layers", options.gpuLayers(),
                "threads", options.threads(), "members", options.members().stream().map(Path::toString).toList()));
        file.put("results", rows);
        BenchResults.write(BenchResults.file(options.out(), "engine", device), file);
    }

    record Throughput(int streams, long tokens, double seconds) {
        double perStream() {
            return tokens / (double) streams / seconds;
        }

        double aggregate() {
            return tokens / seconds;
        }
    }

    /** {@code streams} concurrent greedy requests of random prompts; the tokens generated over the wall time. */
    private static Throughput run(Engine engine, String collaboration, int streams, Options options, int vocabulary)
            throws InterruptedException {
        List<Generation> generations = new ArrayList<>();
        long start = System.nanoTime();
        for (int stream = 0; stream < streams; stream++) {
            int[] prompt = randomPrompt(options.promptTokens(), vocabulary, stream);
            generations.add(engine.submit(collaboration,
                    GenerationRequest.of(new Prompt.Tokens(prompt), options.newTokens())));
        }
        long tokens = 0;
        for (Generation generation : generations) {
            Completion completion = generation.await();
            if (completion.error().isPresent()) {
                throw new IllegalStateException(collaboration + " failed: " + completion.error().get());
            }
            tokens += completion.usage().completionTokens();
        }
        return new Throughput(streams, tokens, (System.nanoTime() - start) / 1e9);
    }

    /** BOS, then random ordinary tokens (ids from 3 up: 0–2 are the SentencePiece specials), seeded by stream. */
    private static int[] randomPrompt(int length, int vocabulary, int stream) {
        SplittableRandom random = new SplittableRandom(1000 + stream);
        int[] prompt = new int[length];
        prompt[0] = 1;
        for (int i = 1; i < length; i++) {
            prompt[i] = random.nextInt(3, vocabulary);
        }
        return prompt;
    }

    /** Fuse + sample of one step of {@code streams} sequences of two members, logits already staged. */
    private static double fusionMicrosPerStep(int streams, int vocabulary) {
        FusionShape shape = new FusionShape(2, streams, vocabulary, 64, 0);
        FusionRule rule = new FusionRule(FusionMethod.LOG_LINEAR, new float[] {0.5f, 0.5f}, new float[] {1f, 1f}, 0f, 1f);
        try (LogitFusion fusion = LogitFusions.open(shape)) {
            MemorySegment logits = fusion.logits();
            SplittableRandom random = new SplittableRandom(7);
            for (long i = 0; i < logits.byteSize() / Float.BYTES; i++) {
                logits.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) random.nextGaussian() * 3f);
            }
            FusionStep step = new FusionStep(shape);
            for (int b = 0; b < streams; b++) {
                step.add(rule, SamplingParams.GREEDY, b, 0, new int[0], 0);
            }
            FusionResult result = new FusionResult(shape);
            for (int i = 0; i < FUSION_WARMUP_STEPS; i++) {
                fusion.fuse(step, result);
            }
            long start = System.nanoTime();
            for (int i = 0; i < FUSION_MEASURED_STEPS; i++) {
                fusion.fuse(step, result);
            }
            return (System.nanoTime() - start) / 1e3 / FUSION_MEASURED_STEPS;
        }
    }

    private static String fusionDevice(int vocabulary) {
        try (LogitFusion fusion = LogitFusions.open(new FusionShape(2, 1, vocabulary, 0, 0))) {
            return fusion.backend().id() + " " + fusion.device();
        }
    }

    /** Token generation speed of the first member in llama.cpp's own benchmark, same build, same offload. */
    private static double llamaBenchTps(Path tool, Options options) {
        List<String> command = List.of(tool.toString(), "-m", options.members().getFirst().toString(),
                "-ngl", Integer.toString(options.gpuLayers()), "-fa", "1", "-p", "0",
                "-n", Integer.toString(options.newTokens()), "-r", "3", "-o", "json");
        try {
            Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.waitFor() != 0) {
                throw new IllegalStateException("llama-bench exited with " + process.exitValue());
            }
            JsonNode runs = new ObjectMapper().readTree(output);
            return runs.get(0).get("avg_ts").asDouble();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running llama-bench", e);
        }
    }

    /** A config serving the first member alone and both fused, every path absolute. */
    private static Path writeConfig(Options options) throws IOException {
        int context = options.promptTokens() + options.newTokens() + 8;
        String threads = options.threads() == ModelSpec.AUTO_THREADS ? "" : ", threads: " + options.threads();
        String yaml = String.format(Locale.ROOT, """
                models:
                  first:  %s
                  second: %s
                collaborations:
                  fused:
                    kind: ensemble
                    method: log_linear
                    members: [ { model: first, weight: 0.5 }, { model: second, weight: 0.5 } ]
                scheduler: { max_queued: %d }
                """, modelEntry(options.members().get(0), options, context, threads),
                modelEntry(options.members().get(1), options, context, threads), options.maxStreams());
        Path config = Files.createTempFile("chorus-engine-bench", ".yaml");
        Files.writeString(config, yaml);
        return config;
    }

    private static String modelEntry(Path model, Options options, int context, String threads) {
        return String.format(Locale.ROOT, "{ path: \"%s\", gpu_layers: %d, context: %d, slots: %d%s }",
                model.toAbsolutePath(), options.gpuLayers(), context, options.maxStreams(), threads);
    }

    /** What a results row says about the models: read once from the first member's GGUF header. */
    record ModelFacts(String shape, String tensorType, int vocabulary) {
        static ModelFacts read(Path model, Optional<FixtureModel> named) throws IOException {
            try (GgufFile gguf = GgufFile.open(model)) {
                String architecture = gguf.getString("general.architecture");
                int vocabulary = GgufVocabulary.read(gguf).tokens().size();
                String shape = named.map(FixtureModel::name).map(name -> name + " ").orElse("")
                        + String.format(Locale.ROOT, "%s n_embd=%d layers=%d vocab=%d", architecture,
                        gguf.getLong(architecture + ".embedding_length"), gguf.getLong(architecture + ".block_count"),
                        vocabulary);
                return new ModelFacts(shape, gguf.tensorInfo("blk.0.attn_q.weight").type().name(), vocabulary);
            }
        }
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
