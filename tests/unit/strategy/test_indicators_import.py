"""Importing the indicators must not load numba: kernels are imported on first use."""

from __future__ import annotations

import subprocess
import sys


def test_import_does_not_load_numba() -> None:
    code = ("import sys, sapphire.strategy.indicators as i; "
            "i.EMA(3).update(1.0); print('numba' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"
