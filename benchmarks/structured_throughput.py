"""Structured-output throughput: `LlamaCppModel` against raw llama-cpp-python.

Both sides run the embedded SmolLM2-135M GGUF on the same prompts with the same JSON Schema,
interleaved call by call so machine noise hits both alike. Raw llama-cpp-python uses
``create_chat_completion(response_format={"type": "json_object", "schema": ...})``; agora adds
its cached grammar, pydantic validation and usage accounting. Throughput is completion tokens
per second of wall time around each call, including agora's overhead.

Run:  python benchmarks/structured_throughput.py [--rounds 8] [--gpu]
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Annotated

from pydantic import BaseModel, Field, ValidationError

from agora.agents import DecisionOptions, decision_type
from agora.models import Message, ModelSettings
from agora.models.embedded import embedded_model_path
from agora.models.llamacpp import LlamaCppModel


class Facts(BaseModel):
    country: str = Field(max_length=40)
    capital: str = Field(max_length=40)
    is_island: bool
    languages: list[Annotated[str, Field(max_length=24)]] = Field(max_length=3)


ROUTING = decision_type(
    DecisionOptions(neighbours=("mathematician", "geographer", "writer"), max_answer_chars=200)
)
PROMPTS: list[tuple[str, type[BaseModel]]] = [
    ("Give facts about France.", Facts),
    ("Give facts about Japan.", Facts),
    ("Route this task: What is 17 times 3?", ROUTING),
    ("Route this task: Summarize the plot of Hamlet in one line.", ROUTING),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--gpu", action="store_true", help="offload all layers (n_gpu_layers=-1)")
    args = parser.parse_args()

    import llama_cpp

    layers = -1 if args.gpu else 0
    path = str(embedded_model_path())
    raw = llama_cpp.Llama(model_path=path, n_ctx=2048, n_gpu_layers=layers, seed=0, verbose=False)
    ours = LlamaCppModel(path, n_ctx=2048, n_gpu_layers=layers, seed=0)
    ours.repair_attempts = 0
    ours.load()
    settings = ModelSettings(temperature=0.0, max_tokens=1024, seed=0)

    totals = {"raw": [0, 0.0, 0], "agora": [0, 0.0, 0]}  # tokens, seconds, valid
    calls = 0
    for _ in range(args.rounds):
        for prompt, output_type in PROMPTS:
            messages = [Message("system", "Reply with JSON."), Message("user", prompt)]
            schema = output_type.model_json_schema()
            started = time.perf_counter()
            reply = raw.create_chat_completion(
                messages=[m.to_openai() for m in messages],
                response_format={"type": "json_object", "schema": schema},
                temperature=0.0,
                seed=0,
                max_tokens=1024,
            )
            elapsed = time.perf_counter() - started
            text = reply["choices"][0]["message"]["content"]
            totals["raw"][0] += reply["usage"]["completion_tokens"]
            totals["raw"][1] += elapsed
            totals["raw"][2] += _valid(text, output_type)

            started = time.perf_counter()
            response = ours.request_sync(messages, output_type, settings=settings)
            elapsed = time.perf_counter() - started
            totals["agora"][0] += response.usage.completion_tokens
            totals["agora"][1] += elapsed
            totals["agora"][2] += response.output is not None
            calls += 1

    rate = {side: t[0] / t[1] for side, t in totals.items()}
    print(f"device: {'GPU (n_gpu_layers=-1)' if args.gpu else 'CPU'}; calls per side: {calls}")
    for side, (tokens, seconds, valid) in totals.items():
        print(
            f"{side:>6}: {tokens} tokens in {seconds:.2f} s = {rate[side]:.1f} tok/s; "
            f"schema-valid {valid}/{calls}"
        )
    print(f"throughput ratio agora/raw: {rate['agora'] / rate['raw']:.3f} (target >= 0.9)")
    print(
        json.dumps(
            {
                "ratio": round(rate["agora"] / rate["raw"], 3),
                "valid_agora": totals["agora"][2],
                "calls": calls,
            }
        )
    )


def _valid(text: str, output_type: type[BaseModel]) -> int:
    try:
        output_type.model_validate_json(text)
    except ValidationError:
        return 0
    return 1


if __name__ == "__main__":
    main()
