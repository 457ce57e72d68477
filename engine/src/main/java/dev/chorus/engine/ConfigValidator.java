package dev.chorus.engine;

import dev.chorus.engine.config.CollaborationSpec;
import dev.chorus.engine.config.ConfigException;
import dev.chorus.engine.config.EngineConfig;
import dev.chorus.engine.config.MemberSpec;
import dev.chorus.engine.config.ModelSpec;
import dev.chorus.engine.merge.MergedModels;
import dev.chorus.engine.probe.ModelProbe;
import dev.chorus.gguf.GgufFile;
import dev.chorus.gguf.GgufModelChecks;
import dev.chorus.gguf.GgufValue;
import dev.chorus.gguf.GgufVocabulary;
import dev.chorus.llama.ChatTemplate;
import dev.chorus.llama.LlamaException;

import com.sun.management.OperatingSystemMXBean;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The load-time checks a config needs beyond its text: every model file exists and is a GGUF file with a
 * vocabulary, a configured chat template is one llama.cpp knows, and the members of every collaboration share that
 * vocabulary token by token. A merged model not yet
 * merged ({@link MergedModels#prepare}) is checked with the vocabulary of its recipe's base model (else first model),
 * which the merge copies after requiring every input to share it. Errors are {@link ConfigException}s at the line of
 * the model or member that fails.
 */
public final class ConfigValidator {
    private ConfigValidator() {
    }

    private static final String OWN_CHAT_TEMPLATE = "tokenizer.chat_template";
    /** A conversation with every role a request may send, rendered once to check a template. */
    private static final List<Message> TEMPLATE_PROBE = List.of(new Message("system", "Be brief."),
            new Message("user", "Hello"), new Message("assistant", "Hi."), new Message("user", "Bye"));

    public static void validate(EngineConfig config) {
        Map<String, GgufVocabulary> vocabularies = new LinkedHashMap<>();
        config.models().values().forEach(model -> vocabularies.put(model.name(), vocabulary(model)));
        config.collaborations().values().forEach(collaboration -> requireSharedVocabulary(collaboration, vocabularies));
    }

    private static GgufVocabulary vocabulary(ModelSpec model) {
        Path file = model.awaitsMerge() ? MergedModels.recipe(model).metadataSource() : model.path();
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(model.location(), "model '" + model.name() + "': no file " + file);
        }
        try (GgufFile gguf = GgufFile.open(file)) {
            if (!model.awaitsMerge()) {
                GgufModelChecks.check(gguf);
                requireKvCacheFits(model, gguf);
            }
            requireRenderableChatTemplate(model, gguf);
            return GgufVocabulary.read(gguf);
        } catch (ConfigException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ConfigException(model.location(), "model '" + model.name() + "': " + file
                    + " is not a usable GGUF file: " + e.getMessage(), e);
        }
    }

    /**
     * The KV cache llama.cpp allocates for {@code context × slots} tokens (F16 keys and values in every layer) must
     * fit in this machine's memory when the model runs on the CPU; found here, with the config line, rather than
     * as a failed allocation of hundreds of gigabytes.
     */
    private static void requireKvCacheFits(ModelSpec model, GgufFile gguf) {
        if (model.gpuLayers() > 0 || !gguf.contains("general.architecture")) {
            return;
        }
        String prefix = gguf.getString("general.architecture") + ".";
        if (!gguf.contains(prefix + "block_count") || !gguf.contains(prefix + "embedding_length")
                || !gguf.contains(prefix + "attention.head_count")
                || gguf.get(prefix + "attention.head_count") instanceof GgufValue.Array) {
            return; // per-layer head counts: llama.cpp's own estimate is the one to trust
        }
        long heads = Math.max(1, gguf.getLong(prefix + "attention.head_count"));
        long kvHeads = gguf.find(prefix + "attention.head_count_kv").isPresent()
                && !(gguf.get(prefix + "attention.head_count_kv") instanceof GgufValue.Array)
                ? gguf.getLong(prefix + "attention.head_count_kv") : heads;
        long headSize = gguf.getLong(prefix + "embedding_length") / heads;
        long keyLength = gguf.contains(prefix + "attention.key_length")
                ? gguf.getLong(prefix + "attention.key_length") : headSize;
        long valueLength = gguf.contains(prefix + "attention.value_length")
                ? gguf.getLong(prefix + "attention.value_length") : headSize;
        double bytes = 2.0 * model.contextSize() * model.slots() * gguf.getLong(prefix + "block_count") * kvHeads
                * (keyLength + valueLength);
        long memory = ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
        if (bytes > memory) {
            throw new ConfigException(model.location(), String.format(Locale.ROOT, "model '%s': context %d x slots"
                    + " %d needs a KV cache of %.1f GB, more than this machine's %.1f GB of memory; lower context or"
                    + " slots", model.name(), model.contextSize(), model.slots(), bytes / 1e9, memory / 1e9));
        }
    }

    /**
     * Loads every model file of a prepared config ({@link MergedModels#prepare}) through llama.cpp in a child
     * process ({@link ModelProbe}), so that a file whose contents make llama.cpp abort fails there, at its config
     * line, instead of ending the process that would serve it.
     *
     * @param perFile how long one file may take to load and decode a token
     */
    public static void probe(EngineConfig config, Duration perFile) {
        List<ModelSpec> models = List.copyOf(config.models().values());
        List<ModelProbe.Result> results = new ModelProbe(perFile).probe(models.stream().map(ModelSpec::path).toList());
        for (int i = 0; i < models.size(); i++) {
            ModelProbe.Result result = results.get(i);
            if (!result.loaded()) {
                ModelSpec model = models.get(i);
                throw new ConfigException(model.location(), "model '" + model.name() + "': " + model.path()
                        + (result.outcome() == ModelProbe.Outcome.REFUSED ? " cannot be loaded: "
                        : " makes llama.cpp fail (" + result.outcome().name().toLowerCase(Locale.ROOT)
                        + "): ") + result.detail());
            }
        }
    }

    /**
     * The chat template a model's chats render with (the configured {@code chat_template}, else the file's own
     * {@code tokenizer.chat_template}; none means ChatML) must be one llama.cpp applies: found now, with the config
     * line, rather than as a failure of every chat request to the model.
     */
    private static void requireRenderableChatTemplate(ModelSpec model, GgufFile gguf) {
        if (model.chatTemplate().isPresent()) {
            String name = model.chatTemplate().get();
            requireRenders(model, ChatTemplate.named(name), "chat_template '" + name + "' is not a template llama.cpp"
                    + " knows (built-ins include chatml, llama3, mistral-v7, vicuna, zephyr)");
        } else if (gguf.find(OWN_CHAT_TEMPLATE).orElse(null) instanceof GgufValue.Text own && !own.value().isBlank()) {
            requireRenders(model, new ChatTemplate(own.value()), "llama.cpp cannot apply the file's own chat template ("
                    + OWN_CHAT_TEMPLATE + ", which it recognises by the markers of the templates it implements): set"
                    + " chat_template to the built-in it follows, e.g. chatml");
        }
    }

    private static void requireRenders(ModelSpec model, ChatTemplate template, String problem) {
        try {
            ChatTemplates.render(template, TEMPLATE_PROBE);
        } catch (LlamaException e) {
            throw new ConfigException(model.location(), "model '" + model.name() + "': " + problem, e);
        }
    }

    private static void requireSharedVocabulary(CollaborationSpec collaboration,
                                                Map<String, GgufVocabulary> vocabularies) {
        List<MemberSpec> members = collaboration.members();
        String first = members.getFirst().model();
        collaboration.draft().ifPresent(draft -> vocabularies.get(draft.model())
                .firstDifference("'" + draft.model() + "'", vocabularies.get(first), "'" + first + "'")
                .ifPresent(difference -> {
                    throw new ConfigException(draft.location(), "collaboration '" + collaboration.name()
                            + "': the vocabulary of draft '" + draft.model() + "' differs from that of '" + first
                            + "': " + difference);
                }));
        for (MemberSpec member : members.subList(1, members.size())) {
            vocabularies.get(member.model())
                    .firstDifference("'" + member.model() + "'", vocabularies.get(first), "'" + first + "'")
                    .ifPresent(difference -> {
                        throw new ConfigException(member.location(), "collaboration '" + collaboration.name()
                                + "': the vocabulary of model '" + member.model() + "' differs from that of '"
                                + first + "': " + difference);
                    });
        }
    }
}
