"""State and read-only properties shared by the incremental indicators.

Only what runs once (construction, :meth:`reset`, the first input, building an error)
lives here. Each ``update()`` stays written out in its own class, so that the per-input
path makes no extra Python call: these run once per bar inside strategies.
"""

from __future__ import annotations

from sapphire.core.errors import DataValidationError
from sapphire.strategy.indicators._checks import bad_input, check_period

_NOT_FINITE = "input is not a finite number"


class Counted:
    """An indicator that counts its inputs and names itself in error messages."""

    __slots__ = ("_count", "name")
    _count: int
    name: str  # set by the subclass's __init__, used in error messages

    def reset(self) -> None:
        """Forget every input."""
        self._count = 0

    @property
    def count(self) -> int:
        """Inputs (bars, for ATR) accepted since construction or reset."""
        return self._count

    def _not_finite(self, value: object) -> DataValidationError:
        """The error for the next input, ``value``, being NaN or infinite."""
        return bad_input(self.name, self._count + 1, _NOT_FINITE, value)


class Periodic(Counted):
    """A counted indicator with one ``period`` parameter, initialized after that many inputs.

    Parameters
    ----------
    period
        Window, span or smoothing length in inputs, ``>= 1`` (each class says which).
    """

    __slots__ = ("_period",)

    def __init__(self, period: int) -> None:
        self._period = check_period("period", period)
        self.name = f"{type(self).__name__}({self._period})"
        self.reset()

    @property
    def period(self) -> int:
        """The ``period`` parameter, in inputs (bars, for ATR)."""
        return self._period

    @property
    def initialized(self) -> bool:
        """True once ``period`` inputs have been seen."""
        return self._count >= self._period


class Window(Periodic):
    """A periodic indicator over a ring buffer of its last ``period`` inputs.

    Sums over the window are kept relative to a shift ``K`` (a value of the window):
    the subclass adds and removes one input per update and recomputes its sums
    exactly, oldest first, whenever the ring wraps (``_idx`` back to 0).
    """

    __slots__ = ("_buf", "_idx", "_s1", "_shift")

    def reset(self) -> None:
        """Forget every input."""
        super().reset()
        self._buf = [0.0] * self._period
        self._idx = 0
        self._shift = 0.0
        self._s1 = 0.0

    def _seed(self, value: float) -> float:
        """Fill the ring with the first input and make it the shift; return it as a float.

        Removals during warm-up then subtract ``K - K = 0`` exactly.
        """
        value = float(value)
        self._shift = value
        self._buf[:] = [value] * self._period
        return value
