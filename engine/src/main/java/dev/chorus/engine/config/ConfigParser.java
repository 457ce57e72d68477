package dev.chorus.engine.config;

import dev.chorus.kernels.fusion.FusionBackend;
import dev.chorus.kernels.fusion.FusionMethod;
import dev.chorus.llama.ModelParams;
import dev.chorus.llama.rpc.RpcEndpoint;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Turns config text into an {@link EngineConfig}, reading snakeyaml's node tree so every error carries a position. */
final class ConfigParser {
    private static final List<String> TOP_KEYS = List.of("models", "remotes", "collaborations", "scheduler");
    private static final List<String> MODEL_KEYS = List.of("path", "merge", "gpu_layers", "context", "threads", "slots", "chat_template", "rpc",
            "tensor_split");
    private static final List<String> SCHEDULER_KEYS = List.of("max_queued", "prefill_chunk", "fusion_backend", "threads");
    private static final List<String> ENSEMBLE_KEYS = List.of("kind", "method", "members", "weights", "tau",
            "forgetting", "draft", "draft_tokens", "gate");
    private static final List<String> GATE_KEYS = List.of("lead", "threshold");
    private static final List<String> SINGLE_KEYS = List.of("kind", "model", "draft", "draft_tokens");
    private static final List<String> MEMBER_KEYS = List.of("model", "weight", "temperature");
    private static final List<String> CONTRASTIVE_KEYS = List.of("kind", "expert", "amateur", "lambda", "alpha",
            "draft", "draft_tokens");
    private static final List<String> PROXY_KEYS = List.of("kind", "base", "expert", "anti_expert", "strength", "draft",
            "draft_tokens");
    private static final Map<String, FusionMethod> POOLING_METHODS = Map.of(
            "linear", FusionMethod.LINEAR,
            "log_linear", FusionMethod.LOG_LINEAR,
            "product_of_experts", FusionMethod.LOG_LINEAR,
            "max", FusionMethod.MAX);
    private static final int DEFAULT_CONTEXT = 2048;
    private static final int DEFAULT_SLOTS = 4;
    private static final float DEFAULT_ALPHA = 0.1f;
    /** PackLLM-sim's temperature and the online mixture's forgetting factor: docs/adaptive.md says how chosen. */
    private static final float DEFAULT_TAU = 0.1f;
    private static final float DEFAULT_FORGETTING = 0.97f;

    private final Path file;
    private final Path folder;
    private final OrchestrationParser orchestrationParser;

    ConfigParser(Path file) {
        this.file = file;
        Path parent = file.toAbsolutePath().getParent();
        this.folder = parent == null ? Path.of("").toAbsolutePath() : parent;
        this.orchestrationParser = new OrchestrationParser(file);
    }

    EngineConfig parse(String text) {
        Node root = compose(text);
        if (root == null) {
            throw new ConfigException(new ConfigLocation(file, 1, 1), "config is empty; it needs at least 'models'");
        }
        YamlMapping top = new YamlMapping(file, root, "the config", TOP_KEYS);
        Map<String, ModelSpec> models = new LinkedHashMap<>();
        Map<String, CollaborationSpec> served = new LinkedHashMap<>();
        YamlMapping.entries(file, top.required("models"), "'models'", "a mapping from model names to models")
                .forEach((name, tuple) -> {
                    ModelSpec model = model(name, tuple.getKeyNode(), tuple.getValueNode());
                    models.put(name, model);
                    served.put(name, single(model));
                });
        if (models.isEmpty()) {
            throw new ConfigException(top.location(), "'models' declares no model");
        }
        requireOwnRpcServers(models);
        Map<String, RemoteSpec> remotes = new LinkedHashMap<>();
        top.optional("remotes").ifPresent(node -> YamlMapping
                .entries(file, node, "'remotes'", "a mapping from remote names to OpenAI-compatible endpoints")
                .forEach((name, tuple) -> {
                    requireNewName(name, tuple.getKeyNode(), models.keySet(), "model");
                    remotes.put(name, orchestrationParser.remote(name, tuple.getKeyNode(), tuple.getValueNode()));
                }));
        Map<String, OrchestrationSpec> orchestrations = new LinkedHashMap<>();
        top.optional("collaborations").ifPresent(node -> YamlMapping
                .entries(file, node, "'collaborations'", "a mapping from collaboration names to collaborations")
                .forEach((name, tuple) -> {
                    if (models.containsKey(name)) {
                        throw new ConfigException(YamlMapping.location(file, tuple.getKeyNode()), "collaboration '"
                                + name + "' has the name of model '" + name + "' (line "
                                + models.get(name).location().line() + "), which is already served under it");
                    }
                    requireNewName(name, tuple.getKeyNode(), remotes.keySet(), "remote");
                    CollaborationKind kind = kind(name, tuple.getValueNode());
                    if (kind.orchestrated()) {
                        Set<String> known = new LinkedHashSet<>(served.keySet());
                        known.addAll(remotes.keySet());
                        known.addAll(orchestrations.keySet());
                        orchestrations.put(name, orchestrationParser.parse(name, kind, tuple.getValueNode(), known,
                                served.keySet()));
                    } else {
                        served.put(name, collaboration(name, kind, tuple.getValueNode(), models));
                    }
                }));
        remotes.values().forEach(remote -> remote.fallback().ifPresent(fallback -> {
            if (!served.containsKey(fallback) && !orchestrations.containsKey(fallback)) {
                throw new ConfigException(remote.location(), "'fallback' of remote '" + remote.name() + "' names '"
                        + fallback + "'; it must be a model or collaboration: "
                        + String.join(", ", served.keySet()) + " " + String.join(", ", orchestrations.keySet()));
            }
        }));
        SchedulerSpec scheduler = top.optional("scheduler").map(this::scheduler).orElse(SchedulerSpec.DEFAULT);
        return new EngineConfig(file, models, served, remotes, orchestrations, scheduler);
    }

    private Node compose(String text) {
        LoaderOptions options = YamlLimits.loaderOptions();
        options.setAllowDuplicateKeys(true); // reported by YamlMapping with both lines
        try {
            return new Yaml(options).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark mark = Optional.ofNullable(e.getProblemMark()).orElse(e.getContextMark());
            ConfigLocation location = mark == null ? new ConfigLocation(file, 1, 1)
                    : new ConfigLocation(file, mark.getLine() + 1, mark.getColumn() + 1);
            throw new ConfigException(location, "invalid YAML: " + e.getProblem(), e);
        } catch (YAMLException e) { // a limit of YamlLimits, e.g. too many aliases
            throw new ConfigException(new ConfigLocation(file, 1, 1), "invalid YAML: " + e.getMessage(), e);
        }
    }

    private ModelSpec model(String name, Node key, Node value) {
        YamlMapping mapping = new YamlMapping(file, value, "model '" + name + "'", MODEL_KEYS);
        Optional<String> path = mapping.optionalString("path");
        Optional<String> merge = mapping.optionalString("merge");
        if (path.isPresent() == merge.isPresent()) {
            throw new ConfigException(mapping.location(), "model '" + name + "' " + (path.isPresent()
                    ? "has both 'path' and 'merge'; give one" : "is missing 'path' (a GGUF file) or 'merge' (a recipe)"));
        }
        // A merged model's path is its recipe until the engine merges it (dev.chorus.engine.merge.MergedModels).
        Path source = folder.resolve(path.orElseGet(merge::get)).normalize();
        int context = mapping.integer("context", DEFAULT_CONTEXT, 1);
        int slots = mapping.integer("slots", DEFAULT_SLOTS, 1);
        if (slots > ModelSpec.MAX_SLOTS || (long) context * slots > ModelSpec.MAX_CONTEXT_TOKENS) {
            throw new ConfigException(mapping.location(), "model '" + name + "': context " + context + " x slots "
                    + slots + " is more than llama.cpp's limits (at most " + ModelSpec.MAX_SLOTS + " slots and "
                    + ModelSpec.MAX_CONTEXT_TOKENS + " tokens of context in all)");
        }
        List<RpcEndpoint> rpc = rpcServers(mapping);
        List<Double> tensorSplit = tensorSplit(mapping, !rpc.isEmpty());
        int gpuLayers = mapping.integer("gpu_layers", rpc.isEmpty() ? 0 : ModelParams.ALL_LAYERS, 0);
        if (!rpc.isEmpty() && gpuLayers == 0) {
            throw new ConfigException(mapping.location("gpu_layers"), "model '" + name + "' has 'rpc' servers but"
                    + " 'gpu_layers: 0' keeps every layer here; leave 'gpu_layers' out (every layer goes to the servers)");
        }
        return new ModelSpec(name, source,
                gpuLayers,
                context,
                mapping.integer("threads", ModelSpec.AUTO_THREADS, 1),
                slots,
                YamlMapping.location(file, key),
                merge.map(recipe -> source),
                mapping.optionalString("chat_template"),
                rpc, tensorSplit);
    }

    /** {@code rpc: [host:port, ...]}: the rpc-servers a model's layers run on. */
    private List<RpcEndpoint> rpcServers(YamlMapping mapping) {
        if (mapping.optional("rpc").isEmpty()) {
            return List.of();
        }
        List<RpcEndpoint> servers = new ArrayList<>();
        for (String text : mapping.strings("rpc")) {
            RpcEndpoint server;
            try {
                server = RpcEndpoint.parse(text);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(mapping.location("rpc"), "'rpc' of " + mapping.owner() + ": " + e.getMessage());
            }
            if (servers.contains(server)) {
                throw new ConfigException(mapping.location("rpc"), "'rpc' of " + mapping.owner() + " names " + server + " twice");
            }
            servers.add(server);
        }
        return servers;
    }

    /** {@code tensor_split: [3, 1]}: each RPC device's share of the layers. */
    private List<Double> tensorSplit(YamlMapping mapping, boolean hasRpc) {
        if (mapping.optional("tensor_split").isEmpty()) {
            return List.of();
        }
        if (!hasRpc) {
            throw new ConfigException(mapping.location("tensor_split"), "'tensor_split' of " + mapping.owner()
                    + " splits layers over rpc-servers; give them in 'rpc'");
        }
        List<Double> shares = mapping.numbers("tensor_split", x -> x >= 0, ">= 0");
        if (shares.stream().mapToDouble(Double::doubleValue).sum() <= 0) {
            throw new ConfigException(mapping.location("tensor_split"), "'tensor_split' of " + mapping.owner()
                    + " must give some device a share > 0");
        }
        return shares;
    }

    /** An rpc-server serves one client at a time, so two models on one server would wait for each other forever. */
    private static void requireOwnRpcServers(Map<String, ModelSpec> models) {
        Map<RpcEndpoint, String> owners = new HashMap<>();
        for (ModelSpec model : models.values()) {
            for (RpcEndpoint server : model.rpc()) {
                String other = owners.putIfAbsent(server, model.name());
                if (other != null) {
                    throw new ConfigException(model.location(), "models '" + other + "' and '" + model.name()
                            + "' both run on rpc-server " + server + ", which serves one client at a time: start one"
                            + " rpc-server per model (another port on the same host works)");
                }
            }
        }
    }

    private static CollaborationSpec single(ModelSpec model) {
        MemberSpec member = new MemberSpec(model.name(), 1f, 1f, model.location());
        return new CollaborationSpec(model.name(), CollaborationKind.SINGLE, FusionMethod.LINEAR, List.of(member),
                0f, 1f, model.location());
    }

    private void requireNewName(String name, Node key, Set<String> taken, String what) {
        if (taken.contains(name)) {
            throw new ConfigException(YamlMapping.location(file, key), "'" + name + "' is already the name of a "
                    + what);
        }
    }

    private CollaborationKind kind(String name, Node value) {
        String owner = "collaboration '" + name + "'";
        NodeTuple kindEntry = YamlMapping.entries(file, value, owner, "a mapping with a 'kind'").get("kind");
        String kinds = "ensemble, contrastive or proxy (logits), single (a model with a draft) or router, cascade, moa"
                + " or debate (answers)";
        if (kindEntry == null) {
            throw new ConfigException(YamlMapping.location(file, value), owner + " is missing 'kind' (" + kinds + ")");
        }
        Node kindNode = kindEntry.getValueNode();
        return Optional.of(kindNode)
                .filter(ScalarNode.class::isInstance)
                .flatMap(node -> CollaborationKind.fromConfigName(((ScalarNode) node).getValue()))
                .orElseThrow(() -> new ConfigException(YamlMapping.location(file, kindNode),
                        "'kind' of " + owner + " must be " + kinds));
    }

    private CollaborationSpec collaboration(String name, CollaborationKind kind, Node value,
                                            Map<String, ModelSpec> models) {
        String owner = "collaboration '" + name + "'";
        ConfigLocation location = YamlMapping.location(file, value);
        NodeTuple gate = YamlMapping.entries(file, value, owner, "a mapping").get("gate");
        if (gate != null && kind != CollaborationKind.ENSEMBLE) {
            throw new ConfigException(YamlMapping.location(file, gate.getKeyNode()), "'gate' of " + owner
                    + " is an option of kind ensemble only (a lead member deciding alone among others), not "
                    + kind.configName());
        }
        return switch (kind) {
            case SINGLE -> drafted(name, new YamlMapping(file, value, owner, SINGLE_KEYS), models, location);
            case ENSEMBLE -> ensemble(name, new YamlMapping(file, value, owner, ENSEMBLE_KEYS), models, location);
            case CONTRASTIVE -> contrastive(name, new YamlMapping(file, value, owner, CONTRASTIVE_KEYS), models, location);
            case PROXY -> proxy(name, new YamlMapping(file, value, owner, PROXY_KEYS), models, location);
            case ROUTER, CASCADE, MOA, DEBATE -> throw new IllegalArgumentException(kind + " fuses no logits");
        };
    }

    private CollaborationSpec ensemble(String name, YamlMapping mapping, Map<String, ModelSpec> models,
                                       ConfigLocation location) {
        String methodName = mapping.optionalString("method").orElse("linear");
        FusionMethod method = POOLING_METHODS.get(methodName);
        if (method == null) {
            throw new ConfigException(mapping.location("method"), "'method' of collaboration '" + name
                    + "' must be linear, log_linear (alias product_of_experts) or max, got " + methodName);
        }
        List<MemberSpec> members = new ArrayList<>();
        for (Node memberNode : mapping.sequence("members")) {
            String owner = "member " + (members.size() + 1) + " of collaboration '" + name + "'";
            YamlMapping member = new YamlMapping(file, memberNode, owner, MEMBER_KEYS);
            members.add(new MemberSpec(modelName(member, "model", owner, models),
                    member.number("weight", 1f, x -> x > 0, "> 0"),
                    member.number("temperature", 1f, x -> x > 0, "> 0"),
                    member.location()));
        }
        Optional<DraftSpec> draft = draft(mapping, members, models);
        Optional<GateSpec> gate = gate(name, mapping, members);
        if (draft.isPresent() && gate.isPresent()) {
            throw new ConfigException(mapping.location("gate"), "'gate' of collaboration '" + name + "' does not"
                    + " combine with its 'draft' (line " + draft.get().location().line() + "): the gate skips the other members'"
                    + " decodes while the lead is sure, and speculation verifies every proposed token with all of"
                    + " them; keep one");
        }
        return new CollaborationSpec(name, CollaborationKind.ENSEMBLE, method, members, 0f, 1f, draft, location,
                adaptation(name, mapping, methodName), gate);
    }

    /** {@code gate: {lead: MEMBER, threshold: P}}: the lead decides alone while its top probability is at least P. */
    private Optional<GateSpec> gate(String name, YamlMapping ensemble, List<MemberSpec> members) {
        Optional<Node> node = ensemble.optional("gate");
        if (node.isEmpty()) {
            return Optional.empty();
        }
        String owner = "'gate' of collaboration '" + name + "'";
        YamlMapping mapping = new YamlMapping(file, node.get(), owner, GATE_KEYS);
        String lead = mapping.requiredString("lead");
        List<String> models = members.stream().map(MemberSpec::model).distinct().toList();
        if (!models.contains(lead)) {
            throw new ConfigException(mapping.location("lead"), "'lead' of " + owner + " names '" + lead
                    + "', which is not a member; members: " + String.join(", ", models));
        }
        if (models.size() == 1) {
            throw new ConfigException(mapping.location("lead"), owner + " saves the decodes of members on other models"
                    + " than its lead, and every member runs on '" + lead + "'");
        }
        float threshold = mapping.requiredNumber("threshold", x -> (float) x > 0 && x <= 1, "in (0, 1]");
        return Optional.of(new GateSpec(lead, threshold, mapping.location()));
    }

    /** {@code weights: fixed | perplexity (tau) | online (forgetting)}; the adaptive ones pool linearly. */
    private WeightAdaptation adaptation(String name, YamlMapping mapping, String method) {
        String kind = mapping.optionalString("weights").orElse("fixed");
        String owner = "collaboration '" + name + "'";
        List<String> unused = switch (kind) {
            case "fixed" -> List.of("tau", "forgetting");
            case "perplexity" -> List.of("forgetting");
            case "online" -> List.of("tau");
            default -> throw new ConfigException(mapping.location("weights"), "'weights' of " + owner
                    + " must be fixed, perplexity or online, got " + kind);
        };
        for (String key : unused) {
            if (mapping.optional(key).isPresent()) {
                throw new ConfigException(mapping.location(key), "'" + key + "' of " + owner
                        + " does not apply to weights: " + kind);
            }
        }
        if (!kind.equals("fixed") && !method.equals("linear")) {
            throw new ConfigException(mapping.location("weights"), "'weights: " + kind + "' of " + owner
                    + " needs method linear (the weights are a posterior over members), got " + method);
        }
        return switch (kind) {
            case "perplexity" -> new WeightAdaptation.Perplexity(
                    mapping.number("tau", DEFAULT_TAU, x -> x > 0 && Double.isFinite(x), "finite and > 0"));
            case "online" -> new WeightAdaptation.Online(
                    mapping.number("forgetting", DEFAULT_FORGETTING, x -> x > 0 && x <= 1, "in (0, 1]"));
            default -> new WeightAdaptation.Fixed();
        };
    }

    /** A {@code single} collaboration: one model served under another name, sped up by a draft model. */
    private CollaborationSpec drafted(String name, YamlMapping mapping, Map<String, ModelSpec> models,
                                      ConfigLocation location) {
        String owner = "collaboration '" + name + "'";
        List<MemberSpec> member = List.of(reference(mapping, "model", 1f, owner, models));
        if (mapping.optional("draft").isEmpty()) {
            throw new ConfigException(mapping.location(), owner + " is missing 'draft': a single collaboration serves"
                    + " its model sped up by a draft model");
        }
        return new CollaborationSpec(name, CollaborationKind.SINGLE, FusionMethod.LINEAR, member, 0f, 1f,
                draft(mapping, member, models), location, new WeightAdaptation.Fixed(), Optional.empty());
    }

    /**
     * {@code draft: MODEL} and {@code draft_tokens: N} of a logit-level collaboration: speculative decoding, verified by
     * the collaboration's own fused distribution. The draft holds a slot of its own whose cells run ahead of the
     * members' (its proposals), so it cannot be a member: a member proposes through a second model entry on its file
     * (or on its quantised copy), which has its own context.
     */
    private static Optional<DraftSpec> draft(YamlMapping mapping, List<MemberSpec> members,
                                             Map<String, ModelSpec> models) {
        if (mapping.optional("draft").isEmpty()) {
            if (mapping.optional("draft_tokens").isPresent()) {
                throw new ConfigException(mapping.location("draft_tokens"), "'draft_tokens' of " + mapping.owner()
                        + " needs a 'draft' model to propose them");
            }
            return Optional.empty();
        }
        String draft = modelName(mapping, "draft", mapping.owner(), models);
        if (members.stream().anyMatch(member -> member.model().equals(draft))) {
            ModelSpec model = models.get(draft);
            throw new ConfigException(mapping.location("draft"), "'draft' of " + mapping.owner() + " is its own "
                    + (members.size() == 1 ? "model" : "member") + " '" + draft + "'; a draft must be another"
                    + " (smaller or quantised) model. To draft with a member, declare its file a second time under"
                    + " another name (e.g. '" + draft + "-draft: { path: " + model.path().getFileName() + " }') or use"
                    + " its quantised copy");
        }
        int tokens = mapping.integer("draft_tokens", DraftSpec.DEFAULT_TOKENS, 1);
        if (tokens > DraftSpec.MAX_TOKENS) {
            throw new ConfigException(mapping.location("draft_tokens"), "'draft_tokens' of " + mapping.owner()
                    + " must be at most " + DraftSpec.MAX_TOKENS + ", got " + tokens);
        }
        return Optional.of(new DraftSpec(draft, tokens, mapping.location("draft")));
    }

    private CollaborationSpec contrastive(String name, YamlMapping mapping, Map<String, ModelSpec> models,
                                          ConfigLocation location) {
        String owner = "collaboration '" + name + "'";
        List<MemberSpec> members = List.of(
                reference(mapping, "expert", 1f, owner, models),
                reference(mapping, "amateur", 1f, owner, models));
        return new CollaborationSpec(name, CollaborationKind.CONTRASTIVE, FusionMethod.CONTRASTIVE, members,
                mapping.requiredNumber("lambda", x -> x > 0, "> 0"),
                mapping.number("alpha", DEFAULT_ALPHA, x -> x > 0 && x <= 1, "in (0, 1]"),
                draft(mapping, members, models), location, new WeightAdaptation.Fixed(), Optional.empty());
    }

    private CollaborationSpec proxy(String name, YamlMapping mapping, Map<String, ModelSpec> models,
                                    ConfigLocation location) {
        String owner = "collaboration '" + name + "'";
        float strength = mapping.number("strength", 1f, x -> x > 0, "> 0");
        List<MemberSpec> members = List.of(
                reference(mapping, "base", 1f, owner, models),
                reference(mapping, "expert", strength, owner, models),
                reference(mapping, "anti_expert", -strength, owner, models));
        return new CollaborationSpec(name, CollaborationKind.PROXY, FusionMethod.PROXY, members, 0f, 1f,
                draft(mapping, members, models), location, new WeightAdaptation.Fixed(), Optional.empty());
    }

    /** A member named by a single key ({@code expert: kjv}), located at that key's value. */
    private MemberSpec reference(YamlMapping mapping, String key, float weight, String owner,
                                 Map<String, ModelSpec> models) {
        return new MemberSpec(modelName(mapping, key, owner, models), weight, 1f, mapping.location(key));
    }

    private static String modelName(YamlMapping mapping, String key, String owner, Map<String, ModelSpec> models) {
        String model = mapping.requiredString(key);
        if (!models.containsKey(model)) {
            throw new ConfigException(mapping.location(key), "'" + key + "' of " + owner + " names unknown model '"
                    + model + "'; models: " + String.join(", ", models.keySet()));
        }
        return model;
    }

    private SchedulerSpec scheduler(Node value) {
        YamlMapping mapping = new YamlMapping(file, value, "'scheduler'", SCHEDULER_KEYS);
        return new SchedulerSpec(
                mapping.integer("max_queued", SchedulerSpec.DEFAULT.maxQueued(), 0),
                mapping.integer("prefill_chunk", SchedulerSpec.DEFAULT.prefillChunk(), 1),
                mapping.optionalString("fusion_backend").flatMap(name -> fusionBackend(mapping, name)),
                mapping.optional("threads").map(given -> mapping.integer("threads", 1, 1)));
    }

    private static Optional<FusionBackend> fusionBackend(YamlMapping mapping, String name) {
        if (name.equals("auto")) {
            return Optional.empty();
        }
        return Optional.of(Arrays.stream(FusionBackend.values())
                .filter(backend -> backend.name().equalsIgnoreCase(name)).findFirst()
                .orElseThrow(() -> new ConfigException(mapping.location("fusion_backend"),
                        "'fusion_backend' of 'scheduler' must be auto, cuda, opencl or java, got " + name)));
    }
}
