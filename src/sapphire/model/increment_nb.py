"""numba kernel: exact float to integer-unit conversion for :mod:`sapphire.model.increment`."""

from __future__ import annotations

import numpy as np
from numba import njit

OK = 0
NOT_FINITE = 1
OFF_INCREMENT = 2
TOO_LARGE = 3

# Above 2**53 a float64 no longer holds every integer, so exactness cannot be checked.
_LARGEST_EXACT = 9.007e15


@njit(cache=True, nogil=True)
def to_units_nb(values, scale, mantissa, out):  # pragma: no cover - compiled
    """Write ``values * scale / mantissa`` as int64 into ``out``.

    Return ``(status, index)``: the first row that is not finite, not a whole number
    of units, or too large, or ``(OK, -1)``.
    """
    for i in range(values.shape[0]):
        value = values[i]
        if not np.isfinite(value):
            return NOT_FINITE, i
        scaled = value * scale
        magnitude = abs(scaled)
        if magnitude >= _LARGEST_EXACT:
            return TOO_LARGE, i
        whole = np.rint(scaled)
        tolerance = max(1e-7, magnitude * 1e-14)
        if abs(scaled - whole) > tolerance:
            return OFF_INCREMENT, i
        units = np.int64(whole)
        if units % mantissa != 0:
            return OFF_INCREMENT, i
        out[i] = units // mantissa
    return OK, -1
