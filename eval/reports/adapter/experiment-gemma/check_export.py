import sys

import numpy as np
import torch

HERE = __import__("pathlib").Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[3]))
sys.path.insert(0, str(HERE.parents[3] / "scripts"))
sys.path.insert(0, str(HERE))
import train_gemma as G  # noqa: E402
from llama_cpp import Llama  # noqa: E402
from peft import LoraConfig, get_peft_model  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402

B = G.BASE
T = G.T
tok = AutoTokenizer.from_pretrained(str(B.parent), gguf_file=B.name)
m = AutoModelForCausalLM.from_pretrained(str(B.parent), gguf_file=B.name, dtype=torch.float32)
text = "<|im_start|>user\na cat on a windowsill at golden hour, oil painting<|im_end|>\n<|im_start|>assistant\nA cat"
ids = [tok.bos_token_id] + tok(text, add_special_tokens=False)["input_ids"]


def hf_logits(model):
    with torch.no_grad():
        return model(input_ids=torch.tensor([ids])).logits[0, -1].numpy()


base = hf_logits(m)
pm = get_peft_model(m, LoraConfig(r=16, lora_alpha=32.0, target_modules=[n.split(".")[-1] for n in T.TENSORS]))
torch.manual_seed(0)
for n, p in pm.named_parameters():
    if "lora_B" in n:
        p.data.normal_(0, 0.02)
lora = hf_logits(pm)
G.write_adapter(pm, pm.config, "/tmp/gemma-random-lora.gguf", 32.0, {})


def cpp(lp):
    llm = Llama(model_path=str(B), lora_path=lp, n_ctx=256, logits_all=True, verbose=False)
    llm.eval(llm.tokenize(text.encode(), add_bos=True, special=True))
    return np.array(llm.scores[llm.n_tokens - 1])


print(
    "tokens hf/cpp",
    len(ids),
    len(Llama(model_path=str(B), n_ctx=64, verbose=False).tokenize(text.encode(), add_bos=True, special=True)),
)
c0, c1 = cpp(None), cpp("/tmp/gemma-random-lora.gguf")
d_hf, d_cpp = lora - base, c1 - c0
print("corr(base hf, base cpp)", np.corrcoef(base, c0)[0, 1])
print("corr(lora delta hf, lora delta cpp)", np.corrcoef(d_hf, d_cpp)[0, 1], "delta scale", d_hf.std(), d_cpp.std())
