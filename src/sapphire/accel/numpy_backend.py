"""CPU backends: plain numpy, and numba (numpy arrays plus compiled kernels where risk has them)."""

from __future__ import annotations

from typing import Any

import numpy as np

from sapphire.accel.backend import Precision


class NumpySampler:
    """numpy's PCG64 generator behind the :class:`~sapphire.accel.backend.Sampler` protocol."""

    def __init__(self, seed: int) -> None:
        self._rng = np.random.Generator(np.random.PCG64(seed))

    def standard_normal(self, shape: tuple[int, ...], dtype: Precision) -> np.ndarray:
        """Return N(0, 1) draws (numpy's ziggurat) of ``shape`` in ``dtype``."""
        return self._rng.standard_normal(shape, dtype=np.dtype(dtype))

    def chisquare(self, dof: float, n: int, dtype: Precision) -> np.ndarray:
        """Return ``n`` chi-square(``dof``) draws in ``dtype``."""
        return self._rng.chisquare(dof, n).astype(dtype, copy=False)


class NumpyBackend:
    """Plain numpy on the CPU; the reference every other backend is compared with."""

    name = "numpy"
    is_gpu = False
    device = "cpu"

    def asarray(self, a: np.ndarray, dtype: Precision = "float64") -> np.ndarray:
        """Return ``a`` as a C-contiguous array of ``dtype`` (no copy when it already is)."""
        return np.ascontiguousarray(a, dtype=np.dtype(dtype))

    def to_numpy(self, a: Any) -> np.ndarray:
        """Return ``a`` unchanged as a numpy array."""
        return np.asarray(a)

    def exp(self, a: np.ndarray) -> np.ndarray:
        """Element-wise exponential."""
        return np.exp(a)

    def sqrt(self, a: np.ndarray) -> np.ndarray:
        """Element-wise square root."""
        return np.sqrt(a)

    def sampler(self, seed: int) -> NumpySampler:
        """Return numpy's PCG64 stream seeded with ``seed``."""
        return NumpySampler(seed)

    def synchronize(self) -> None:
        """Do nothing: numpy work is done when the call returns."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(device={self.device!r})"


class NumbaBackend(NumpyBackend):
    """numpy arrays on the CPU, with risk's numba kernels (``*_nb.py``) where one exists.

    Dense linear algebra (covariance, scenario P&L) still goes through numpy's BLAS, which
    numba cannot beat; the Monte Carlo simulation runs as a parallel numba kernel.
    """

    name = "numba"
