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
# Float noise allowed around a whole number of units, relative to its magnitude.
_RELATIVE_SLACK = 1e-14


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
        # A decimal multiple parsed to the nearest float and scaled by an exact power of ten
        # is within a few ulps of a whole number: allow ~45 ulps, relative, never absolute
        # (an absolute slack would round 100.0000000001 onto a 0.01 tick, or 1e-20 to 0).
        if abs(scaled - whole) > magnitude * _RELATIVE_SLACK:
            return OFF_INCREMENT, i
        units = np.int64(whole)
        if units % mantissa != 0:
            return OFF_INCREMENT, i
        out[i] = units // mantissa
    return OK, -1
