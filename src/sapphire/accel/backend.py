"""The array backend protocol: the few operations risk analytics needs from an array library.

A backend wraps one array library on one device. Risk code converts its inputs with
:meth:`ArrayBackend.asarray`, computes with the library's operators (``@``, ``*``, ``.T``,
slicing: numpy, CuPy and PyTorch all support them), calls the backend for the functions
whose names differ between libraries, and brings results home with
:meth:`ArrayBackend.to_numpy`. Inputs and outputs of the public risk API are always numpy.
"""

from __future__ import annotations

from typing import Any, Final, Literal, Protocol

import numpy as np

#: Names accepted by :func:`sapphire.accel.select_backend`.
BACKEND_NAMES: Final = ("auto", "numpy", "numba", "cupy", "torch")

#: Floating-point precisions a backend computes in.
Precision = Literal["float32", "float64"]


class Sampler(Protocol):
    """A seeded random stream living on the backend's device."""

    def standard_normal(self, shape: tuple[int, ...], dtype: Precision) -> Any:
        """Return independent N(0, 1) draws of ``shape`` on the device."""

    def chisquare(self, dof: float, n: int, dtype: Precision) -> Any:
        """Return ``n`` independent chi-square draws with ``dof`` degrees of freedom."""


class ArrayBackend(Protocol):
    """One array library on one device.

    Attributes
    ----------
    name
        ``"numpy"``, ``"numba"``, ``"cupy"`` or ``"torch"``.
    is_gpu
        True when arrays live in GPU memory.
    device
        Human-readable device, for example ``"cpu"`` or ``"cuda:0 (NVIDIA H100 80GB HBM3)"``.
    """

    name: str
    is_gpu: bool
    device: str

    def asarray(self, a: np.ndarray, dtype: Precision = "float64") -> Any:
        """Copy or view ``a`` onto the device as ``dtype``."""

    def to_numpy(self, a: Any) -> np.ndarray:
        """Return a host numpy array holding ``a``."""

    def exp(self, a: Any) -> Any:
        """Element-wise exponential."""

    def sqrt(self, a: Any) -> Any:
        """Element-wise square root."""

    def sampler(self, seed: int) -> Sampler:
        """Return a random stream seeded with ``seed`` (same seed, same draws on this backend)."""

    def synchronize(self) -> None:
        """Wait until queued device work is done (a no-op on the CPU); used when timing."""
