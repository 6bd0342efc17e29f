"""Validation shared by the incremental indicators and the vectorised facade.

Parameters are checked once, at construction (or per call for the vectorised
functions): a bad one raises :class:`~sapphire.core.errors.ConfigError` (a
``ValueError``) naming the parameter. Inputs are checked on every update, before any
state changes, so that a rejected input leaves the indicator exactly as it was.
"""

from __future__ import annotations

import math

from sapphire.core.errors import ConfigError, DataValidationError

#: Upper bound used in chained comparisons: ``0.0 <= x < INF`` is False for NaN too.
INF = math.inf


def check_period(name: str, value: object, *, minimum: int = 1) -> int:
    """Return ``value`` if it is an integer ``>= minimum``; else raise ConfigError naming it."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{name} must be an integer >= {minimum}, was {value!r}")
    if value < minimum:
        raise ConfigError(f"{name} must be an integer >= {minimum}, was {value!r}")
    return int(value)


def check_multiplier(name: str, value: object) -> float:
    """Return ``value`` as a float if it is finite and ``>= 0``, else raise ConfigError."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{name} must be a finite number >= 0, was {value!r}")
    if not 0.0 <= value < INF:
        raise ConfigError(f"{name} must be a finite number >= 0, was {value!r}")
    return float(value)


def check_session(session_ns: object, offset_ns: object) -> None:
    """Raise ConfigError unless ``session_ns`` is None or an int >= 1 and ``offset_ns`` an int."""
    if session_ns is not None and (
            isinstance(session_ns, bool) or not isinstance(session_ns, int) or session_ns < 1):
        raise ConfigError(f"session_ns must be None or an integer >= 1 (ns), was {session_ns!r}")
    if isinstance(offset_ns, bool) or not isinstance(offset_ns, int):
        raise ConfigError(f"offset_ns must be an integer (ns), was {offset_ns!r}")


def bad_input(indicator: str, number: int, reason: str, value: object) -> DataValidationError:
    """Build the error for input number ``number`` (1-based) rejected by ``indicator``.

    The message reads like ``"EMA(10), row 7: input is not a finite number (was nan)"``.
    """
    return DataValidationError(reason, source=indicator, row=number, value=value)
