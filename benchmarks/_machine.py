"""What every benchmark prints: the machine description, then its one JSON line of results."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any


def machine_info() -> dict[str, Any]:
    """Describe the machine and the versions that matter for speed."""
    import numba
    import numpy
    import pyarrow

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "numpy": numpy.__version__,
        "numba": numba.__version__,
        "pyarrow": pyarrow.__version__,
    }


def print_machine_info() -> dict[str, Any]:
    """Print :func:`machine_info` as one JSON line on stderr and return it.

    On stderr, so that stdout carries nothing but the benchmark's own JSON line.
    """
    info = machine_info()
    print(json.dumps(info), file=sys.stderr)
    return info


def report(result: Mapping[str, Any], path: Path) -> None:
    """Print ``result`` as one JSON line on stdout and record that line in ``path``."""
    line = json.dumps(result)
    print(line)
    path.parent.mkdir(exist_ok=True)
    path.write_text(line + "\n")


def median_seconds(run: Callable[[], object], repeats: int,
                   setup: Callable[[], object] | None = None) -> float:
    """Median wall time of ``run`` over ``repeats`` calls (``setup`` runs untimed before each)."""
    times = []
    for _ in range(repeats):
        if setup is not None:
            setup()
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)
