"""Choose the array backend: explicit argument, else ``SAPPHIRE_RISK_BACKEND``, else ``auto``.

``auto`` takes a GPU backend only when a CUDA device really runs a kernel (CuPy first, then
PyTorch) and otherwise numba on the CPU; it logs, at INFO, why each GPU backend was passed
over. A backend asked for by name that cannot run raises :class:`BackendUnavailableError`
saying why: an explicit request is never silently replaced.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Final

from sapphire.accel.backend import BACKEND_NAMES, ArrayBackend
from sapphire.accel.numpy_backend import NumbaBackend, NumpyBackend
from sapphire.core.errors import BackendUnavailableError, ConfigError

logger = logging.getLogger(__name__)

#: Environment variable naming the backend when no argument does.
ENV_VAR: Final = "SAPPHIRE_RISK_BACKEND"

#: GPU backends in the order ``auto`` tries them.
GPU_ORDER: Final = ("cupy", "torch")


def _probe_numpy() -> tuple[ArrayBackend | None, str]:
    return NumpyBackend(), ""


def _probe_numba() -> tuple[ArrayBackend | None, str]:
    try:
        import numba  # noqa: F401
    except ImportError as exc:
        return None, f"numba is not installed ({exc})"
    return NumbaBackend(), ""


def _probe_cupy() -> tuple[ArrayBackend | None, str]:
    from sapphire.accel.cupy_backend import probe_cupy

    return probe_cupy()


def _probe_torch() -> tuple[ArrayBackend | None, str]:
    from sapphire.accel.torch_backend import probe_torch

    return probe_torch()


#: How to build each backend; returns ``(backend, "")`` or ``(None, reason)``.
PROBES: dict[str, Callable[[], tuple[ArrayBackend | None, str]]] = {
    "numpy": _probe_numpy, "numba": _probe_numba, "cupy": _probe_cupy, "torch": _probe_torch,
}

# Probing a GPU initialises CUDA (hundreds of ms): do it once per process and name.
_cache: dict[str, tuple[ArrayBackend | None, str]] = {}


def clear_backend_cache() -> None:
    """Forget probe results, so the next selection probes again (after installing CuPy, say)."""
    _cache.clear()
    _logged.clear()


def _probe(name: str) -> tuple[ArrayBackend | None, str]:
    if name not in _cache:
        _cache[name] = PROBES[name]()
    return _cache[name]


def available_backends() -> dict[str, str]:
    """Map every concrete backend name to ``""`` when usable here, else the reason it is not."""
    return {name: _probe(name)[1] for name in BACKEND_NAMES if name != "auto"}


def select_backend(name: str | ArrayBackend | None = None) -> ArrayBackend:
    """Return the array backend to compute with.

    Parameters
    ----------
    name
        ``"auto"``, ``"numpy"``, ``"numba"``, ``"cupy"`` or ``"torch"`` (any case), or a
        backend object, returned as is. ``None`` reads ``SAPPHIRE_RISK_BACKEND`` and falls
        back to ``"auto"`` when it is unset or empty.

    Raises
    ------
    ConfigError
        For a name that is not a backend.
    BackendUnavailableError
        When a backend named explicitly (argument or environment) cannot run here.
    """
    if name is not None and not isinstance(name, str):
        return name
    source = "argument"
    if name is None:
        name, source = os.environ.get(ENV_VAR, "").strip() or "auto", ENV_VAR
    key = name.strip().lower()
    if key not in BACKEND_NAMES:
        raise ConfigError(
            f"unknown array backend {name!r} (from {source}); expected one of "
            f"{', '.join(BACKEND_NAMES)}"
        )
    if key == "auto":
        return _select_auto()
    backend, reason = _probe(key)
    if backend is None:
        usable = [n for n, why in available_backends().items() if not why]
        raise BackendUnavailableError(
            f"array backend {key!r} was requested (by {source}) but cannot run here: {reason}; "
            f"usable here: {', '.join(usable)}"
        )
    return backend


def _select_auto() -> ArrayBackend:
    skipped: list[str] = []
    for name in (*GPU_ORDER, "numba"):
        backend, reason = _probe(name)
        if backend is not None:
            if skipped:
                _log_once(f"array backend auto: {'; '.join(skipped)}; using {backend.name} "
                          f"on {backend.device}")
            return backend
        skipped.append(f"{name} skipped: {reason}")
    _log_once(f"array backend auto: {'; '.join(skipped)}; using numpy")
    return NumpyBackend()


_logged: set[str] = set()


def _log_once(message: str) -> None:
    # INFO the first time a fallback happens in this process, DEBUG after: every risk call
    # selects a backend, and repeating the reason would drown the log.
    logger.log(logging.DEBUG if message in _logged else logging.INFO, message)
    _logged.add(message)
