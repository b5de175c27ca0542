import time

from llama_cpp import Llama

from promptsmith.backends.models import default_model_path

prompt = (
    "Write a brief for: epic portrait cinematic shot an yellow planet with a pink atmosphere orbiting around a blue "
    "star in space, glowing, stars, nebuale, atmospheric, night setting, shaded lighting by craig mullins\nBrief:"
)
for name, path in [
    ("smollm2-135m", str(default_model_path())),
    ("gemma3-270m", __import__("os").environ.get("GEMMA_GGUF", "gemma-3-270m-q4_k_m.gguf")),
]:
    for th in (1, 2):
        llm = Llama(model_path=path, n_ctx=512, n_threads=th, verbose=False, seed=1)
        llm(prompt, max_tokens=4, temperature=0)
        ts = []
        for _ in range(3):
            llm.reset()
            t = time.perf_counter()
            out = llm(prompt, max_tokens=64, temperature=0, stop=[])
            ts.append((time.perf_counter() - t, out["usage"]["completion_tokens"], out["usage"]["prompt_tokens"]))
        best = min(ts)
        print(
            f"{name} threads={th}: {best[1]} tokens in {best[0]:.2f} s incl. {best[2]}-token prompt "
            f"-> {best[1] / best[0]:.0f} tok/s end to end",
            flush=True,
        )
