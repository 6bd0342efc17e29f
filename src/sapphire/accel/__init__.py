"""Array backends for risk analytics: numpy and numba on the CPU, CuPy or PyTorch on a GPU.

Select one with :func:`select_backend` (argument, else ``SAPPHIRE_RISK_BACKEND``, else
``auto``). GPU libraries are imported only while probing, never at import time.
"""

from sapphire.accel.backend import BACKEND_NAMES, ArrayBackend, Precision, Sampler
from sapphire.accel.numpy_backend import NumbaBackend, NumpyBackend
from sapphire.accel.selection import (
    ENV_VAR,
    available_backends,
    clear_backend_cache,
    select_backend,
)

__all__ = [
    "BACKEND_NAMES", "ENV_VAR", "ArrayBackend", "NumbaBackend", "NumpyBackend", "Precision",
    "Sampler", "available_backends", "clear_backend_cache", "select_backend",
]
