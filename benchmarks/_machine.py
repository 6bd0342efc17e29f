"""Machine description printed by every benchmark."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
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
