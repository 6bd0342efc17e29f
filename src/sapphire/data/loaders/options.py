"""Reading loader options that may arrive as text (from the command line)."""

from __future__ import annotations

from collections.abc import Collection

from sapphire.core.errors import ConfigError

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def as_bool(value: bool | str, name: str) -> bool:
    """Return ``value`` as a bool; text must be true/false, yes/no, on/off or 1/0."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigError(f"option {name} must be true or false, was {value!r}")


def as_labels(value: Collection[str] | str) -> tuple[str, ...]:
    """Return labels given as a collection or as comma-separated text."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(","))
    return tuple(str(part) for part in value)


def as_int(value: int | str | None, name: str) -> int | None:
    """Return an optional integer given as a number or as text."""
    if value is None or isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise ConfigError(f"option {name} must be an integer, was {value!r}") from None
