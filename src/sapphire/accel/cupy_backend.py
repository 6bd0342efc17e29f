"""CuPy on an NVIDIA GPU. Imported only when selected, so a machine without CuPy never pays.

CuPy mirrors numpy's API, so risk code written against the backend protocol runs unchanged;
the only CuPy-specific parts are conversion, the device name and the random stream.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sapphire.accel.backend import Precision


class CupySampler:
    """CuPy's device-side generator (cuRAND XORWOW) seeded once."""

    def __init__(self, cupy: Any, seed: int) -> None:
        self._rng = cupy.random.RandomState(seed)

    def standard_normal(self, shape: tuple[int, ...], dtype: Precision) -> Any:
        """Return N(0, 1) draws of ``shape`` in ``dtype``, generated on the GPU."""
        return self._rng.standard_normal(shape, dtype=dtype)

    def chisquare(self, dof: float, n: int, dtype: Precision) -> Any:
        """Return ``n`` chi-square(``dof``) draws, generated on the GPU."""
        return self._rng.chisquare(dof, n).astype(dtype, copy=False)


class CupyBackend:
    """CuPy arrays on CUDA device ``device_id``.

    Parameters
    ----------
    cupy
        The imported ``cupy`` module (passed in so that importing this file needs no CuPy).
    device_id
        CUDA device ordinal.
    """

    name = "cupy"
    is_gpu = True

    def __init__(self, cupy: Any, device_id: int = 0) -> None:
        self._cp = cupy
        self._device_id = device_id
        props = cupy.cuda.runtime.getDeviceProperties(device_id)
        label = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
        self.device = f"cuda:{device_id} ({label})"

    def asarray(self, a: np.ndarray, dtype: Precision = "float64") -> Any:
        """Copy ``a`` to the GPU as ``dtype``."""
        with self._cp.cuda.Device(self._device_id):
            return self._cp.ascontiguousarray(self._cp.asarray(a, dtype=dtype))

    def to_numpy(self, a: Any) -> np.ndarray:
        """Copy ``a`` back to host memory."""
        return np.asarray(self._cp.asnumpy(a))

    def exp(self, a: Any) -> Any:
        """Element-wise exponential on the GPU."""
        return self._cp.exp(a)

    def sqrt(self, a: Any) -> Any:
        """Element-wise square root on the GPU."""
        return self._cp.sqrt(a)

    def sampler(self, seed: int) -> CupySampler:
        """Return a GPU random stream seeded with ``seed``."""
        with self._cp.cuda.Device(self._device_id):
            return CupySampler(self._cp, seed)

    def synchronize(self) -> None:
        """Wait for the device to finish queued kernels."""
        self._cp.cuda.Device(self._device_id).synchronize()

    def __repr__(self) -> str:
        return f"CupyBackend(device={self.device!r})"


def probe_cupy() -> tuple[CupyBackend | None, str]:
    """Return a usable CuPy backend and ``""``, or ``None`` and why CuPy cannot run here."""
    try:
        import cupy
    except ImportError as exc:
        return None, f"CuPy is not installed ({exc})"
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return None, "CuPy found no CUDA device"
        # A device can be listed yet unusable (driver mismatch, no kernel image): run a kernel.
        if int((cupy.arange(4) * 2).sum().item()) != 12:
            return None, "CuPy test kernel returned a wrong result"
        return CupyBackend(cupy, 0), ""
    except Exception as exc:  # CUDA reports failures with many exception types
        return None, f"CuPy cannot use a CUDA device ({type(exc).__name__}: {exc})"
