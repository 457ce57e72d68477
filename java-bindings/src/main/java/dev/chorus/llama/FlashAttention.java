package dev.chorus.llama;

import dev.chorus.llama.internal.LlamaContextParams;

/** {@code enum llama_flash_attn_type}: whether a context uses flash attention. */
public enum FlashAttention {
    /** llama.cpp decides per device. */
    AUTO(LlamaContextParams.FLASH_ATTN_AUTO),
    DISABLED(LlamaContextParams.FLASH_ATTN_DISABLED),
    ENABLED(LlamaContextParams.FLASH_ATTN_ENABLED);

    final int nativeValue;

    FlashAttention(int nativeValue) {
        this.nativeValue = nativeValue;
    }
}
