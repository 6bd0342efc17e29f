"""Feed a sequence through an incremental indicator and collect what it reports."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def run(indicator: Any, inputs: Sequence[Any], read: Callable[[Any], float] | None = None,
        ) -> np.ndarray:
    """Update with each input (a tuple is splatted) and read ``value`` (or ``read``) after it."""
    out = []
    for item in inputs:
        if isinstance(item, tuple):
            indicator.update(*item)
        else:
            indicator.update(item)
        out.append(indicator.value if read is None else read(indicator))
    return np.array(out, dtype=np.float64)


def same(actual: np.ndarray, expected: Sequence[float], rel: float = 0.0) -> None:
    """Assert equal arrays, NaN where expected is NaN, within ``rel`` relative (0: exact)."""
    np.testing.assert_allclose(actual, np.array(expected, dtype=np.float64), rtol=rel, atol=0.0,
                               equal_nan=True)
