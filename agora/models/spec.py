"""Model specs: one string that names a model, usable from the SDK and the CLI.

========================================  ============================================
spec                                      model
========================================  ============================================
``local``                                 the embedded SmolLM2-135M-Instruct GGUF
``local:/path/model.gguf``                any GGUF file through llama.cpp (a bare path
                                          ending in ``.gguf`` means the same)
``local:/path/model.gguf?n_ctx=4096``     load options: n_ctx, n_gpu_layers, n_threads
``openai:gpt-4o-mini``                    OpenAI (key from ``OPENAI_API_KEY``)
``http://127.0.0.1:8080/v1#model-name``   any OpenAI-compatible server (vLLM, llama.cpp,
                                          Ollama); the fragment names the model
========================================  ============================================

A server's model is named after the model and the endpoint (``model-name @ 127.0.0.1:8080``),
OpenAI's as ``openai:gpt-4o-mini``.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from agora._checks import check_text
from agora.errors import ConfigError
from agora.models.base import Model

__all__ = ["DEFAULT_SPEC", "model_from_spec"]

#: The spec used when none is given: the embedded local model.
DEFAULT_SPEC = "local"

_LOAD_OPTIONS = {"n_ctx", "n_gpu_layers", "n_threads", "seed"}


def model_from_spec(spec: str | Model) -> Model:
    """Build the model a spec names (a `Model` passes through unchanged).

    Raises:
        ConfigError: the spec is malformed or names a missing file.

    Example:
        >>> model_from_spec("http://127.0.0.1:8080/v1#qwen").name
        'qwen @ 127.0.0.1:8080'
        >>> model_from_spec("gpt-4")
        Traceback (most recent call last):
        ...
        agora.errors.ConfigError: unknown model spec 'gpt-4'. Use 'local', ...
    """
    if isinstance(spec, Model):
        return spec
    if not isinstance(spec, str) or not spec.strip():
        raise ConfigError(f"a model spec must be a non-empty string, got {spec!r}")
    check_text(spec, "model spec")
    spec = spec.strip()
    if spec == "local" or spec.startswith("local:") or spec.startswith("local?"):
        return _local(spec)
    if spec.partition("?")[0].lower().endswith(".gguf"):
        return _local(f"local:{spec}")
    if spec.startswith("openai:"):
        from agora.models.openai import OpenAIModel

        name = spec.removeprefix("openai:")
        if not name:
            raise ConfigError("'openai:' needs a model name, e.g. 'openai:gpt-4o-mini'")
        return OpenAIModel(name)
    if spec.startswith(("http://", "https://")):
        from agora.models.openai import OpenAIModel

        try:
            url = urlsplit(spec)
            # .port raises for a port that is not a number in 0..65535 (here, not at the first
            # request); port 0 names no server.
            if url.port == 0:
                raise ValueError("port 0 cannot be connected to")
        except ValueError as exc:
            raise ConfigError(
                f"malformed server URL in model spec {spec!r}: {exc}. Write it as "
                "'http://HOST:PORT/v1#MODEL' with a port in 1-65535"
            ) from None
        if not url.hostname:
            raise ConfigError(f"{spec!r} names no host: write 'http://HOST:PORT/v1#MODEL'")
        if not url.fragment:
            raise ConfigError(
                f"{spec!r} names no model: append '#model-name', e.g. "
                "'http://127.0.0.1:8080/v1#qwen2.5'"
            )
        return OpenAIModel(url.fragment, base_url=spec.split("#", 1)[0])
    raise ConfigError(
        f"unknown model spec {spec!r}. Use 'local', 'local:/path/model.gguf' (or a path "
        "ending in .gguf), 'openai:MODEL' or 'http://HOST:PORT/v1#MODEL'."
    )


def _local(spec: str) -> Model:
    from agora.models.embedded import EMBEDDED_MODEL, embedded_model_path
    from agora.models.llamacpp import LlamaCppModel

    rest = spec.removeprefix("local").removeprefix(":")
    path_part, _, query = rest.partition("?")
    options: dict[str, int] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key not in _LOAD_OPTIONS:
            raise ConfigError(
                f"unknown option {key!r} in model spec; known: {sorted(_LOAD_OPTIONS)}"
            )
        try:
            options[key] = int(value)
        except ValueError:
            raise ConfigError(f"option {key} must be an integer, got {value!r}") from None
    if path_part:
        return LlamaCppModel(path_part, **options)  # type: ignore[arg-type]
    return LlamaCppModel(
        embedded_model_path(),
        name=EMBEDDED_MODEL.display_name,
        **options,  # type: ignore[arg-type]
    )
