"""The command prepares the process: thread counts set before numba, bad settings named."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sapphire.core.errors import ConfigError
from sapphire.core.runtime import prepare_process

VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")


def test_explicit_threads_are_set_for_a_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAPPHIRE_HARDWARE__THREADS", "3")
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    prepare_process(["data", "ls"])
    assert [os.environ[name] for name in VARIABLES] == ["3", "3", "3"]


def test_help_and_config_commands_prepare_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAPPHIRE_HARDWARE__THREADS", "3")
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for argv in ([], ["--help"], ["config", "show"], ["doctor"]):
        prepare_process(argv)
    assert not any(name in os.environ for name in VARIABLES)


def test_an_unknown_setting_is_an_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAPPHIRE_BOGUS__KEY", "1")
    with pytest.raises(ConfigError, match="SAPPHIRE_BOGUS__KEY"):
        prepare_process(["data", "ls"])


def test_the_command_sets_threads_before_numba_is_imported(tmp_path: object) -> None:
    probe = ("import os, sys; from sapphire.core.runtime import prepare_process; "
             "prepare_process(['data', 'ls']); "
             "print(os.environ['NUMBA_NUM_THREADS'], 'numba' in sys.modules)")
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env["SAPPHIRE_HARDWARE__THREADS"] = "1"
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["1", "False"]
