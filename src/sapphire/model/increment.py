"""Exact conversion between decimal prices or sizes and integer ticks or lots."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np

from sapphire.core.errors import ConfigError, DataValidationError, IncrementError


@dataclass(frozen=True, slots=True)
class Increment:
    """A positive decimal step, such as a price tick of ``0.01`` or a lot of ``0.001``.

    The step is ``mantissa * 10**-exponent`` exactly, so a value converts to a whole
    number of steps only if it is one; anything else is an :class:`IncrementError`.
    """

    value: Decimal
    mantissa: int
    exponent: int

    @classmethod
    def of(cls, value: Decimal | str | int) -> Increment:
        """Build from a decimal (use a string, not a float, for exactness)."""
        if isinstance(value, float):
            raise ConfigError(f"increment {value!r} given as a float: pass a string such as '0.01'")
        try:
            decimal = Decimal(value).normalize()
        except (InvalidOperation, ValueError, TypeError):
            raise ConfigError(
                f"invalid increment {value!r}: expected a decimal such as '0.01'"
            ) from None
        if not decimal.is_finite() or decimal <= 0:
            raise ConfigError(f"invalid increment {value!r}: expected a positive decimal")
        _, digits, exp = decimal.as_tuple()
        mantissa = int("".join(map(str, digits)))
        exponent = -int(exp)
        if exponent < 0:
            mantissa *= 10 ** (-exponent)
            exponent = 0
        if exponent > 15:
            raise ConfigError(f"increment {value!r} is finer than 1e-15, which cannot be exact")
        return cls(decimal, mantissa, exponent)

    @property
    def as_float(self) -> float:
        """The step as the nearest float (for display, never for arithmetic on units)."""
        return float(self.value)

    def to_units(self, values: np.ndarray, *, column: str = "value") -> np.ndarray:
        """Convert an array of floats to int64 units.

        Raises
        ------
        DataValidationError
            At the first NaN or infinite value (1-based row in the array).
        IncrementError
            At the first value that is not a whole number of increments.
        """
        from sapphire.model.increment_nb import NOT_FINITE, OFF_INCREMENT, OK, to_units_nb

        array = np.ascontiguousarray(values, dtype=np.float64)
        out = np.empty(array.shape[0], dtype=np.int64)
        status, index = to_units_nb(array, float(10**self.exponent), self.mantissa, out)
        if status == OK:
            return out
        value = float(array[index])
        if status == NOT_FINITE:
            raise DataValidationError(f"{column} is not a number", row=index + 1, column=column,
                                      value=value)
        reason = (
            f"{column} is not a multiple of the increment {self.value}"
            if status == OFF_INCREMENT
            else f"{column} has more digits than an exact conversion allows"
        )
        raise IncrementError(reason, row=index + 1, column=column, value=value)

    def to_unit(self, value: Decimal | str | int | float) -> int:
        """Convert one value exactly (floats are read through their shortest repr)."""
        try:
            decimal = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        except (InvalidOperation, ValueError, TypeError):
            raise IncrementError(f"invalid value {value!r}: expected a decimal number") from None
        if not decimal.is_finite():
            raise IncrementError(f"value {value!r} is not a finite number")
        units = decimal / self.value
        if units != units.to_integral_value():
            raise IncrementError(f"{value} is not a multiple of the increment {self.value}")
        return int(units)

    def from_units(self, units: np.ndarray | int) -> np.ndarray:
        """Convert int64 units back to float64 values (nearest float to the exact decimal)."""
        scaled = np.asarray(units, dtype=np.float64) * self.mantissa
        return scaled / float(10**self.exponent)

    def __str__(self) -> str:
        return str(self.value)
