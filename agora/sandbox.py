r"""Run untrusted Python in a child process: `run_python` and its async twin `arun_python`.

Generated code (a candidate solution, its tests) never runs in the caller's process. Each run
gets a fresh temporary directory as its working directory (removed afterwards) and a child
``python -I -S`` (isolated: no ``PYTHON*`` variables, no user or site packages) with:

- an environment stripped to ``PATH`` and ``LANG`` (no proxies, no keys, no ``HOME``);
- a wall-clock timeout, after which the child's whole process group is killed (``SIGKILL``);
- resource limits set in the child before the code runs: CPU seconds, address space, the
  size of files it writes (its own stdout and stderr included, which go to files, so a
  chatty loop cannot fill the caller's memory) and no core dumps;
- no network: the child first tries to enter a fresh network namespace (``unshare``; it
  works as root, or where unprivileged user namespaces are allowed), where there is no
  interface but a down loopback; either way it installs an audit hook (`sys.addaudithook`,
  which Python code cannot remove) that refuses sockets, new processes (``fork``,
  ``exec``, ``subprocess``, ``os.system``) and, after setup, ``ctypes``.
  `SandboxResult.network` says which held: ``"namespace"`` or ``"audit hook"``.

This contains the accidents of generated code: infinite loops, memory blow-ups, stray files,
network calls, fork bombs. It is not a security boundary against code written to escape: the
child runs as the caller's user (as root, it could raise its own limits), reads what that
user can read, and a determined attacker has more ways out of CPython than an audit hook
closes. Run hostile code in a container or VM.

Example:
    >>> result = run_python("print(sum(range(10)))")
    >>> result.ok, result.stdout
    (True, '45\n')
    >>> run_python("while True: pass", timeout_s=0.5).timed_out
    True
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from agora._checks import check_int, check_number, check_text, fail
from agora.errors import ConfigError, RunError

__all__ = ["SandboxResult", "arun_python", "run_python"]

_MARK = "agora-sandbox:"
_MAX_OUTPUT = 64_000
_BOOT = r"""
import json, resource, sys
limits = json.loads(sys.argv[1])
for name, value in limits.items():
    resource.setrlimit(getattr(resource, name), (value, value))
network = "audit hook"
try:
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(0x40000000) == 0 or libc.unshare(0x10000000 | 0x40000000) == 0:
        network = "namespace"
except Exception:
    pass
sys.stderr.write("agora-sandbox: " + network + "\n")
sys.stderr.flush()
BLOCKED = ("socket.", "subprocess.", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
           "os.fork", "os.forkpty", "pty.", "ctypes.", "os.kill", "os.killpg", "signal.")
def hook(event, args, blocked=BLOCKED, startswith=str.startswith):
    if startswith(event, blocked):
        raise PermissionError("the agora sandbox refuses " + event)
sys.addaudithook(hook)
del hook, json, resource, limits, libc, ctypes
sys.modules.pop("ctypes", None)
sys.argv = ["main.py"]
with open("main.py", encoding="utf-8") as f:
    source = f.read()
namespace = {"__name__": "__main__", "__file__": "main.py", "__builtins__": __builtins__}
del f
exec(compile(source, "main.py", "exec"), namespace)
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class SandboxResult:
    """What a sandboxed run did.

    Attributes:
        returncode: the child's exit status (negative: killed by that signal).
        stdout: what it printed, cut to 64,000 characters.
        stderr: its error output (tracebacks), cut to 64,000 characters.
        timed_out: it ran past the timeout and was killed.
        elapsed_s: wall time of the run.
        network: how the network was closed: ``"namespace"`` (a fresh network namespace)
            or ``"audit hook"`` (refused inside the interpreter only).
    """

    returncode: int
    stdout: str
    stderr: str
    timed_out: bool
    elapsed_s: float
    network: Literal["namespace", "audit hook"] = "audit hook"

    @property
    def ok(self) -> bool:
        """Whether the code ran to the end without an error (exit status 0, in time)."""
        return self.returncode == 0 and not self.timed_out


def run_python(
    code: str,
    *,
    timeout_s: float = 10.0,
    memory_mb: int = 512,
    files: Mapping[str, str] | None = None,
) -> SandboxResult:
    """Run `code` as a script in a sandboxed child process (see the module docstring).

    Args:
        code: the Python source, run as ``main.py`` in a fresh temporary directory.
        timeout_s: wall-clock limit; the child's process group is killed after it. CPU time
            is limited to the next whole second above it.
        memory_mb: address-space limit of the child, in MiB.
        files: more files to write beside ``main.py`` first (relative name → text).

    Raises:
        ConfigError: an argument of the wrong type or out of range.
        RunError: the child process could not be started.

    Example:
        >>> result = run_python("import socket; socket.create_connection(('1.1.1.1', 80))")
        >>> result.ok, "PermissionError" in result.stderr or "OSError" in result.stderr
        (False, True)
    """
    _check(code, timeout_s, memory_mb, files)
    limits = {
        "RLIMIT_CPU": int(timeout_s) + 1,
        "RLIMIT_AS": memory_mb * 1024 * 1024,
        "RLIMIT_FSIZE": 16 * 1024 * 1024,
        "RLIMIT_CORE": 0,
    }
    with tempfile.TemporaryDirectory(prefix="agora-sandbox-") as folder:
        root = Path(folder)
        (root / "main.py").write_text(code, encoding="utf-8")
        for name, text in (files or {}).items():
            (root / name).write_text(text, encoding="utf-8")
        with open(root / ".out", "wb+") as out, open(root / ".err", "wb+") as err:
            started = time.perf_counter()
            timed_out, returncode = _wait(_start(root, limits, out, err), timeout_s)
            elapsed = time.perf_counter() - started
            stdout, stderr = _read(out), _read(err)
    network: Literal["namespace", "audit hook"] = "audit hook"
    first, _, rest = stderr.partition("\n")
    if first.startswith(_MARK):
        stderr = rest
        network = "namespace" if first.endswith("namespace") else "audit hook"
    return SandboxResult(
        returncode=returncode,
        stdout=stdout,
        stderr=stderr,
        timed_out=timed_out,
        elapsed_s=elapsed,
        network=network,
    )


async def arun_python(
    code: str,
    *,
    timeout_s: float = 10.0,
    memory_mb: int = 512,
    files: Mapping[str, str] | None = None,
) -> SandboxResult:
    """`run_python` without blocking the event loop (the child is awaited in a thread).

    Example:
        >>> import asyncio
        >>> asyncio.run(arun_python("raise SystemExit(3)")).returncode
        3
    """
    return await asyncio.to_thread(
        run_python, code, timeout_s=timeout_s, memory_mb=memory_mb, files=files
    )


def _check(
    code: object, timeout_s: object, memory_mb: object, files: Mapping[str, str] | None
) -> None:
    check_text(code, "code")
    check_number(timeout_s, "timeout_s", low=0.0, high=3600.0, low_open=True)
    check_int(memory_mb, "memory_mb", low=64)
    if files is None:
        return
    if not isinstance(files, Mapping):
        raise ConfigError(f"files must map file names to text, got {type(files).__name__}")
    for name, text in files.items():
        check_text(name, "a file name in files", empty=False)
        if "/" in name or name.startswith(".") or name == "main.py":
            fail(ConfigError, f"files: {name!r} must be a plain name, not main.py", "files")
        check_text(text, f"files[{name!r}]")


def _start(
    root: Path, limits: dict[str, int], out: IO[bytes], err: IO[bytes]
) -> subprocess.Popen[bytes]:
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    try:
        return subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _BOOT, json.dumps(limits)],
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,  # its own process group, killed as one
            close_fds=True,
        )
    except OSError as exc:
        raise RunError(f"could not start the sandbox's Python ({sys.executable}): {exc}") from None


def _wait(child: subprocess.Popen[bytes], timeout_s: float) -> tuple[bool, int]:
    timed_out = False
    try:
        child.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)  # also anything it left behind
        child.wait()
    return timed_out, child.returncode


def _read(file: IO[bytes]) -> str:
    file.seek(0)
    data = file.read(_MAX_OUTPUT * 4)
    return data.decode("utf-8", errors="replace")[:_MAX_OUTPUT]
