"""Whether llama.cpp's default CPU kernels run on this machine, probed once in a child process.

llama.cpp loads weights into *extra buffer types* by default: AMX tiles on Xeons that
advertise AMX, and repacked layouts for other SIMD kernels. On some machines the CPU
advertises a feature that the kernel or hypervisor does not fully support, and the first
generation dies with SIGILL: on an AMX Xeon VM (Linux 6.18) the build's AMX matmul faults on
``tilezero`` (its tile configuration is loaded once per thread and assumed to persist). A
SIGILL kills the whole interpreter, so it cannot be caught in-process. Instead, before the
first load on a machine, a child process loads a small GGUF the default way and generates a
few tokens:

- the child exits cleanly: the default load is safe here (the fast path);
- the child is killed by a signal: loads use ``use_extra_bufts=False`` (plain CPU buffers,
  no AMX or repacking), which the child then checks the same way;
- both ways crash: loading raises `ConfigError` that says how to rebuild llama.cpp.

The verdict is cached per machine and llama.cpp build (CPU flags, kernel, library file) in
``$AGORA_CACHE_DIR`` (default ``~/.cache/agora``), so the probe costs one model load once.
``AGORA_LLAMA_EXTRA_BUFFERS=on|off`` skips it (``auto`` is the default).

Example:
    >>> verdict = CpuVerdict(extra_buffers=False, reason="child killed by SIGILL")
    >>> verdict.usable, verdict.describe()
    (True, 'plain CPU buffers (child killed by SIGILL)')
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from agora.errors import AgoraError, ConfigError
from agora.models._llama_buffers import PROBE_OK

__all__ = [
    "ENV_CACHE_DIR",
    "ENV_EXTRA_BUFFERS",
    "CpuVerdict",
    "cache_path",
    "cpu_verdict",
    "probe_load",
]

#: Environment variable that forces the choice: ``on``, ``off`` or ``auto`` (default).
ENV_EXTRA_BUFFERS = "AGORA_LLAMA_EXTRA_BUFFERS"
#: Environment variable naming agora's cache folder (default ``~/.cache/agora``).
ENV_CACHE_DIR = "AGORA_CACHE_DIR"

_PROBE_TIMEOUT_S = 180.0
_CHILD = Path(__file__).with_name("_llama_buffers.py")

_LOCK = threading.Lock()
_MEMO: dict[str, CpuVerdict] = {}


@dataclass(frozen=True, slots=True)
class CpuVerdict:
    """How llama.cpp may load weights on this machine.

    Attributes:
        extra_buffers: whether loads may use llama.cpp's extra buffer types (AMX,
            repacking); ``False`` means plain CPU buffers.
        reason: why: ``"probe passed"``, the signal that killed the probe, or the override.
        usable: ``False`` when the plain load crashed too, so no load is safe.
    """

    extra_buffers: bool
    reason: str
    usable: bool = True

    def describe(self) -> str:
        """One line for banners and logs."""
        if not self.usable:
            return f"unusable ({self.reason})"
        kind = "extra buffer types" if self.extra_buffers else "plain CPU buffers"
        return f"{kind} ({self.reason})"


def cache_path() -> Path:
    """The file holding this machine's verdicts (``$AGORA_CACHE_DIR/llama-cpu-probe.json``).

    Example:
        >>> cache_path().name
        'llama-cpu-probe.json'
    """
    root = os.environ.get(ENV_CACHE_DIR) or Path.home() / ".cache" / "agora"
    return Path(root) / "llama-cpu-probe.json"


def cpu_verdict(model_path: str | os.PathLike[str]) -> CpuVerdict:
    """Decide how llama.cpp may load weights here, probing once per machine and build.

    Args:
        model_path: a GGUF to probe with when the machine has no verdict yet (the embedded
            model is used instead when it is installed: it is small and uses the kernels
            that crash).

    Raises:
        ConfigError: `ENV_EXTRA_BUFFERS` holds something other than on/off/auto.
    """
    forced = os.environ.get(ENV_EXTRA_BUFFERS, "auto").strip().lower()
    if forced in ("on", "1", "true"):
        return CpuVerdict(True, f"{ENV_EXTRA_BUFFERS}={forced}")
    if forced in ("off", "0", "false"):
        return CpuVerdict(False, f"{ENV_EXTRA_BUFFERS}={forced}")
    if forced != "auto":
        raise ConfigError(f"{ENV_EXTRA_BUFFERS} must be on, off or auto, got {forced!r}")
    key = machine_key()
    with _LOCK:
        verdict = _MEMO.get(key) or _read_cache(key)
        if verdict is None:
            verdict = _probe_both(_canary(model_path))
            if verdict.reason != "probe failed":
                _write_cache(key, verdict)
        _MEMO[key] = verdict
    return verdict


def probe_load(
    model_path: str | os.PathLike[str],
    *,
    extra_buffers: bool,
    command: list[str] | None = None,
    timeout_s: float = _PROBE_TIMEOUT_S,
) -> tuple[bool | None, str]:
    """Load `model_path` and generate a few tokens in a child process.

    Args:
        model_path: the GGUF to load.
        extra_buffers: load with llama.cpp's extra buffer types (its default) or without.
        command: the child's command line, for tests (default: this Python running the probe).
        timeout_s: how long the child may take.

    Returns:
        ``(True, detail)`` when it generated, ``(False, detail)`` when a signal killed it,
        ``(None, detail)`` when it failed otherwise (not installed, timed out, bad file):
        no verdict about the CPU.
    """
    # -P: the child's folder (agora/models, with its openai.py) must not shadow packages.
    child = [sys.executable, "-P", os.fspath(_CHILD), os.fspath(model_path)]
    argv = command or [*child, str(int(extra_buffers))]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"{type(exc).__name__}: {exc}"
    if done.returncode < 0:
        return False, f"child killed by {_signal_name(-done.returncode)}"
    if done.returncode == 0 and PROBE_OK in done.stdout:
        return True, "probe passed"
    tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
    return None, f"child exited with {done.returncode}: {tail[0][:300]}"


def machine_key() -> str:
    """What a verdict depends on: CPU flags, kernel, Python, and the llama.cpp library file."""
    parts = [platform.machine(), platform.release(), sys.version, _cpu_flags(), _library_id()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def _probe_both(model_path: Path) -> CpuVerdict:
    works, detail = probe_load(model_path, extra_buffers=True)
    if works:
        return CpuVerdict(True, detail)
    if works is None:  # no verdict: stay on the safe side in this process, cache nothing
        return CpuVerdict(False, "probe failed")
    plain, plain_detail = probe_load(model_path, extra_buffers=False)
    if plain is False:
        return CpuVerdict(False, f"{detail}; plain buffers: {plain_detail}", usable=False)
    return CpuVerdict(False, detail)


def _canary(model_path: str | os.PathLike[str]) -> Path:
    from agora.models.embedded import embedded_model_path

    try:
        return embedded_model_path(verify=False)
    except AgoraError:  # not installed: probe with the model being loaded
        return Path(model_path)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _cpu_flags() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            if line.startswith(("flags", "Features")):
                return " ".join(sorted(line.split(":", 1)[1].split()))
    return platform.processor()


def _library_id() -> str:
    import importlib.util

    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.submodule_search_locations:
        return "no llama_cpp"
    folder = Path(next(iter(spec.submodule_search_locations)))
    stamps = []
    for lib in sorted((folder / "lib").glob("*")):
        with contextlib.suppress(OSError):
            info = lib.stat()
            stamps.append(f"{lib.name}:{info.st_size}:{info.st_mtime_ns}")
    return ";".join(stamps) or os.fspath(folder)


def _read_cache(key: str) -> CpuVerdict | None:
    try:
        data = json.loads(cache_path().read_text())
        entry = data[key]
        return CpuVerdict(bool(entry["extra_buffers"]), str(entry["reason"]), bool(entry["usable"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_cache(key: str, verdict: CpuVerdict) -> None:
    """Add `verdict` to the cache file atomically; an unwritable cache only costs a re-probe."""
    path = cache_path()
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            data = json.loads(path.read_text())
            if not isinstance(data, dict):
                data = {}
        except (OSError, ValueError):
            data = {}
        data[key] = asdict(verdict)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".probe-")
        try:
            with os.fdopen(fd, "w") as out:
                json.dump(data, out, indent=1)
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
