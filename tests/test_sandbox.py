"""The sandbox: candidate code runs in a child process with limits, never in ours."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agora import ConfigError
from agora.sandbox import arun_python, run_python


def test_an_infinite_loop_is_killed_at_the_timeout() -> None:
    result = run_python("while True:\n    pass", timeout_s=0.5)
    assert result.timed_out and not result.ok and result.returncode < 0


def test_a_network_connection_attempt_fails() -> None:
    code = (
        "import socket\n"
        "s = socket.create_connection(('127.0.0.1', 9), timeout=1)\n"
        "print('connected')\n"
    )
    result = run_python(code)
    assert not result.ok and "connected" not in result.stdout
    assert "PermissionError: the agora sandbox refuses socket" in result.stderr
    assert result.network in ("namespace", "audit hook")


def test_no_new_processes_and_no_ctypes() -> None:
    for code in ("import os\nos.system('true')", "import subprocess\nsubprocess.run(['true'])",
                 "import os\nos.fork()", "import ctypes"):  # fmt: skip
        result = run_python(code)
        assert not result.ok and "the agora sandbox refuses" in result.stderr, code


def test_code_runs_in_a_temporary_directory_and_leaves_our_cwd_alone(tmp_path: Path) -> None:
    here = Path.cwd()
    result = run_python("import os\nopen('stray.txt', 'w').write('x')\nprint(os.getcwd())")
    folder = Path(result.stdout.strip())
    assert result.ok and folder != here and not folder.exists()
    assert not (here / "stray.txt").exists()


def test_the_environment_is_stripped_and_python_is_isolated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    result = run_python("import os, sys\nprint(sorted(os.environ), sys.flags.isolated)")
    assert result.stdout.strip() == "['LANG', 'PATH'] 1"


def test_memory_and_output_are_bounded() -> None:
    big = run_python("x = bytearray(2 * 1024 ** 3)", memory_mb=256)
    assert not big.ok and "MemoryError" in big.stderr
    chatty = run_python("while True:\n    print('x' * 10_000)", timeout_s=5)
    assert not chatty.ok and len(chatty.stdout) <= 64_000


def test_extra_files_are_written_beside_the_code() -> None:
    result = run_python("print(open('data.txt').read())", files={"data.txt": "hello"})
    assert result.stdout == "hello\n"


async def test_the_async_twin_does_not_block_the_loop() -> None:
    assert (await arun_python("print(1 + 1)")).stdout == "2\n"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timeout_s": 0},
        {"timeout_s": True},
        {"memory_mb": 1},
        {"files": {"../x": ""}},
        {"files": {"main.py": ""}},
        {"files": "x"},
    ],  # fmt: skip
)
def test_bad_arguments_are_config_errors(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        run_python("pass", **kwargs)  # type: ignore[arg-type]


def test_our_process_never_imports_the_candidate() -> None:
    before = set(os.listdir("."))
    run_python("import sys\nsys.modules.clear()\nraise SystemExit(0)")
    assert set(os.listdir(".")) == before
