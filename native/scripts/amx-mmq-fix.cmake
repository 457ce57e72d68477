# Injected by build-llama-native.sh (CMAKE_PROJECT_INCLUDE). Debian 12's GCC 12.2 drops the stores that
# fill the AMX tile configuration in ggml-cpu/amx/mmq.cpp as dead (dead-store elimination), so
# `ldtilecfg` then reads garbage and faults: SIGSEGV in ggml_backend_amx_mul_mat on any Q8_0 batch of
# two or more tokens, on a CPU with AMX built with GGML_NATIVE. Compiling that one file without DSE
# keeps the stores; on CPUs without AMX the file compiles to almost nothing, so the flags cost nothing.
include_guard(GLOBAL)

function(chorus_amx_mmq_without_dse)
    if (TARGET ggml-cpu)
        set_source_files_properties("${CMAKE_SOURCE_DIR}/ggml/src/ggml-cpu/amx/mmq.cpp"
            TARGET_DIRECTORY ggml-cpu PROPERTIES COMPILE_OPTIONS "-fno-tree-dse;-fno-dse")
        message(STATUS "chorus: ggml-cpu/amx/mmq.cpp compiled with -fno-tree-dse -fno-dse")
    endif()
endfunction()

# The target is defined later, in ggml/src: set the property once the whole tree is configured.
cmake_language(DEFER DIRECTORY "${CMAKE_SOURCE_DIR}" CALL chorus_amx_mmq_without_dse)
