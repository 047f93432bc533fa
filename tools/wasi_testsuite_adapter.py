"""capsa adapter for WebAssembly/wasi-testsuite's test runner.

The runner loads this file as a module (see its adapters/wasmtime.py) and
calls compute_argv() for every test. capsa runs the test with exactly the
test's environment (one --env per variable, nothing inherited), its
arguments, and its `root` directory preopened read-write as guest "/".

The capsa binary comes from the CAPSA environment variable (split like a
shell word list, so CAPSA="capsa --timeout 30" works); default
build/launcher/capsa relative to the repository root.

    PYENV_VERSION=3.12.1 python3.12 test-runner/wasi_test_runner.py \
        -t tests/c/testsuite/wasm32-wasip1 ... -r /path/to/tools/wasi_testsuite_adapter.py
"""
import os
import shlex
import subprocess
from pathlib import Path
from typing import Dict, List, Optional, Tuple

_REPO = Path(__file__).resolve().parent.parent
CAPSA = shlex.split(os.getenv("CAPSA", str(_REPO / "build" / "launcher" / "capsa")))


def get_name() -> str:
    return "capsa"


def get_version() -> str:
    result = subprocess.run(CAPSA[0:1] + ["--version"], encoding="UTF-8",
                            capture_output=True, check=True)
    words = result.stdout.split()
    return words[1] if len(words) > 1 else (words[0] if words else "unknown")


def get_wasi_versions() -> List[str]:
    return ["wasm32-wasip1"]


def get_wasi_worlds() -> List[str]:
    return ["wasi:cli/command"]


def compute_argv(test_path: str,
                 args_env_root: Tuple[List[str], Dict[str, str], Optional[str]],
                 proposals: List[str],
                 wasi_world: str,
                 wasi_version: str) -> List[str]:
    del proposals, wasi_world, wasi_version  # preview1 commands only
    args, env, root = args_env_root
    argv = list(CAPSA) + ["run"]
    for key, value in env.items():
        argv += ["--env", f"{key}={value}"]
    if root:
        argv += ["--dir", f"{root}::/::rw"]
    argv += [test_path]
    argv += args
    return argv
