package dev.chorus.engine.merge;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Hugging Face name of a GGUF tensor of the llama family (llama.cpp's convert_hf_to_gguf mapping read
 * backwards), so a recipe's filters may use mergekit's names ({@code self_attn}, {@code mlp},
 * {@code input_layernorm}, {@code model.layers.3}) as well as GGUF's ({@code attn}, {@code ffn}, {@code blk.3}).
 */
final class TensorNames {

    private static final Pattern BLOCK = Pattern.compile("blk\\.(\\d+)\\.([a-z_]+)\\.(weight|bias)");
    private static final Map<String, String> GLOBAL = Map.of(
            "token_embd.weight", "model.embed_tokens.weight",
            "output_norm.weight", "model.norm.weight",
            "output.weight", "lm_head.weight");
    private static final Map<String, String> LAYER = Map.of(
            "attn_q", "self_attn.q_proj",
            "attn_k", "self_attn.k_proj",
            "attn_v", "self_attn.v_proj",
            "attn_output", "self_attn.o_proj",
            "attn_norm", "input_layernorm",
            "ffn_norm", "post_attention_layernorm",
            "ffn_gate", "mlp.gate_proj",
            "ffn_up", "mlp.up_proj",
            "ffn_down", "mlp.down_proj");

    private TensorNames() {
    }

    /** {@code model.layers.N.self_attn.q_proj.weight} for {@code blk.N.attn_q.weight}, and so on; empty when unknown. */
    static Optional<String> huggingFace(String gguf) {
        String global = GLOBAL.get(gguf);
        if (global != null) {
            return Optional.of(global);
        }
        Matcher block = BLOCK.matcher(gguf);
        if (block.matches() && LAYER.containsKey(block.group(2))) {
            return Optional.of("model.layers." + block.group(1) + "." + LAYER.get(block.group(2)) + "." + block.group(3));
        }
        return Optional.empty();
    }

    /** mergekit's filter test: {@code *}, or the text within the GGUF name or within its Hugging Face name. */
    static boolean filterMatches(String filter, String gguf) {
        return filter.equals("*") || gguf.contains(filter)
                || huggingFace(gguf).map(name -> name.contains(filter)).orElse(false);
    }
}
