"""PyTorch on an NVIDIA GPU. Imported only when selected, so a machine without torch never pays.

Tensors support the operators risk code uses (``@``, ``*``, ``.T``, slicing); conversion,
dtypes, the random stream and the chi-square draw are the torch-specific parts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sapphire.accel.backend import Precision


class TorchSampler:
    """A ``torch.Generator`` on the backend's device, seeded once."""

    def __init__(self, torch: Any, device: Any, seed: int) -> None:
        self._torch = torch
        self._device = device
        self._gen = torch.Generator(device=device)
        self._gen.manual_seed(seed)

    def standard_normal(self, shape: tuple[int, ...], dtype: Precision) -> Any:
        """Return N(0, 1) draws of ``shape`` in ``dtype`` on the device."""
        return self._torch.randn(shape, generator=self._gen, device=self._device,
                                 dtype=getattr(self._torch, dtype))

    def chisquare(self, dof: float, n: int, dtype: Precision) -> Any:
        """Return ``n`` chi-square(``dof``) draws: ``2 * Gamma(dof / 2, 1)``."""
        # torch.distributions cannot take a generator; _standard_gamma can, which keeps the
        # stream seeded and reproducible.
        alpha = self._torch.full((n,), dof / 2.0, device=self._device, dtype=self._torch.float64)
        draws = self._torch._standard_gamma(alpha, generator=self._gen) * 2.0
        return draws.to(getattr(self._torch, dtype))


class TorchBackend:
    """PyTorch tensors on ``device`` (``"cuda:0"`` when selected; ``"cpu"`` for tests).

    Parameters
    ----------
    torch
        The imported ``torch`` module (passed in so that importing this file needs no torch).
    device
        A torch device string.
    """

    name = "torch"

    def __init__(self, torch: Any, device: str = "cuda:0") -> None:
        self._torch = torch
        self._device = torch.device(device)
        self.is_gpu = self._device.type == "cuda"
        label = torch.cuda.get_device_name(self._device) if self.is_gpu else "host"
        self.device = f"{self._device} ({label})"

    def asarray(self, a: np.ndarray, dtype: Precision = "float64") -> Any:
        """Copy ``a`` to the device as ``dtype``."""
        host = np.ascontiguousarray(a, dtype=np.dtype(dtype))
        return self._torch.from_numpy(host).to(self._device)

    def to_numpy(self, a: Any) -> np.ndarray:
        """Copy ``a`` back to host memory."""
        return np.asarray(a.detach().cpu().numpy())

    def exp(self, a: Any) -> Any:
        """Element-wise exponential on the device."""
        return self._torch.exp(a)

    def sqrt(self, a: Any) -> Any:
        """Element-wise square root on the device."""
        return self._torch.sqrt(a)

    def sampler(self, seed: int) -> TorchSampler:
        """Return a random stream on the device seeded with ``seed``."""
        return TorchSampler(self._torch, self._device, seed)

    def synchronize(self) -> None:
        """Wait for the device to finish queued kernels."""
        if self.is_gpu:
            self._torch.cuda.synchronize(self._device)

    def __repr__(self) -> str:
        return f"TorchBackend(device={self.device!r})"


def probe_torch() -> tuple[TorchBackend | None, str]:
    """Return a usable torch GPU backend and ``""``, or ``None`` and why torch cannot run here."""
    try:
        import torch
    except ImportError as exc:
        return None, f"PyTorch is not installed ({exc})"
    try:
        if not torch.cuda.is_available():
            return None, ("PyTorch reports no usable CUDA device "
                          "(torch.cuda.is_available() is False)")
        probe = torch.arange(4, device="cuda:0") * 2
        if int(probe.sum().item()) != 12:
            return None, "PyTorch test kernel returned a wrong result"
        return TorchBackend(torch, "cuda:0"), ""
    except Exception as exc:  # CUDA reports failures with many exception types
        return None, f"PyTorch cannot use a CUDA device ({type(exc).__name__}: {exc})"
