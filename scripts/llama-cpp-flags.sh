# Sourced by setup.sh and wheel-check.sh: the one llama-cpp-python pin and its build flags.
# Portable CPU flags: the default (native) build crashes on these machines (SIGILL in ggml's AMX
# path); the AVX-512 paths make prompt processing ~1.5x faster. pip keeps the built wheel in its
# cache, so only the first install on a machine compiles.
export CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
-DGGML_AVX512=ON -DGGML_AVX512_VBMI=ON -DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON \
-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_CURL=OFF"
LLAMA_CPP_REQUIREMENT="llama-cpp-python==0.3.36"
