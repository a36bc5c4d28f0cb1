"""Generation speed of the embedded model with llama.cpp's extra buffer types and without.

Machines whose probe crashes (`agora.models.cpu_probe`: SIGILL in the AMX kernels on some
Xeon VMs) load with ``use_extra_bufts=False``; this prints what that costs. Both loads of the
embedded GGUF sit in one process and are timed alternately, call by call, on the same prompts
(greedy, fixed length), so machine noise hits both alike. Generation tok/s is llama.cpp's own
decode time (prompt processing excluded); the wall figure includes prompt processing.

On a CPU without AMX the two loads differ only where a tensor can be repacked (not Q4_1, the
embedded model's type, on AVX-512 here), so expect a ratio near 1.0; on an AMX machine the
default side is the one that crashes, and this script must not be run there with
``--unsafe``.

Run:  python benchmarks/llama_fallback.py [--rounds 12] [--tokens 64] [--model PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from agora import Message, ModelSettings
from agora.models.cpu_probe import cpu_verdict
from agora.models.embedded import embedded_model_path
from agora.models.llamacpp import LlamaCppModel

PROMPTS = [
    "Write a short paragraph about the sea.",
    "Explain what a river delta is.",
    "Describe a busy market in the morning.",
]


def one_call(model: LlamaCppModel, prompt: str, tokens: int) -> tuple[float, float]:
    settings = ModelSettings(temperature=0.0, max_tokens=tokens, seed=0)
    messages = [Message("system", "You are a helpful assistant."), Message("user", prompt)]
    started = time.perf_counter()
    reply = model.request_sync(messages, settings=settings)
    wall = time.perf_counter() - started
    usage = reply.usage
    return usage.tokens_per_s, usage.completion_tokens / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--model", default=None, help="a GGUF file (default: the embedded one)")
    parser.add_argument(
        "--unsafe", action="store_true", help="time the default load even if the probe failed"
    )
    args = parser.parse_args()
    path = args.model or embedded_model_path()
    verdict = cpu_verdict(path)
    print(f"probe verdict on this machine: {verdict.describe()}")
    if not verdict.extra_buffers and not args.unsafe:
        print("the default load crashes here; only the fallback is timed")
    sides = {"fallback": LlamaCppModel(path, n_ctx=1024, extra_buffers=False)}
    if verdict.extra_buffers or args.unsafe:
        sides["default"] = LlamaCppModel(path, n_ctx=1024, extra_buffers=True)
    for model in sides.values():  # load and warm up (first calls allocate compute graphs)
        model.load()
        one_call(model, PROMPTS[0], 8)
    gen: dict[str, list[float]] = {name: [] for name in sides}
    wall: dict[str, list[float]] = {name: [] for name in sides}
    for index in range(args.rounds):
        order = list(sides) if index % 2 == 0 else list(reversed(sides))
        for name in order:
            g, w = one_call(sides[name], PROMPTS[index % len(PROMPTS)], args.tokens)
            gen[name].append(g)
            wall[name].append(w)
    figures = {}
    for name in sides:
        figures[name] = {
            "generation_tok_s": round(statistics.median(gen[name]), 1),
            "wall_tok_s": round(statistics.median(wall[name]), 1),
        }
        print(
            f"{name:>8}: generation {figures[name]['generation_tok_s']:.1f} tok/s (median of "
            f"{args.rounds}), with prompt processing {figures[name]['wall_tok_s']:.1f} tok/s"
        )
    if "default" in figures:
        ratio = figures["fallback"]["generation_tok_s"] / figures["default"]["generation_tok_s"]
        figures["fallback_over_default"] = round(ratio, 3)
        print(f"fallback / default generation speed: {ratio:.2f}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
