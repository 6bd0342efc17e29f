"""Time: int64 nanoseconds since the Unix epoch, UTC, everywhere.

Scalar helpers convert between nanoseconds, aware datetimes and ISO text.
Vectorised parsers turn vendor timestamp columns into ``int64`` nanoseconds and
raise :class:`~sapphire.core.errors.DataValidationError` naming the first bad row.
A timestamp without an offset is never guessed: the caller names its zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, Literal, NoReturn

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sapphire.core.errors import DataValidationError, TimestampError

NS_PER_US = 1_000
NS_PER_MS = 1_000_000
NS_PER_S = 1_000_000_000
NS_PER_MIN = 60 * NS_PER_S
NS_PER_HOUR = 60 * NS_PER_MIN
NS_PER_DAY = 24 * NS_PER_HOUR

EpochUnit = Literal["s", "ms", "us", "ns"]
_NS_PER_UNIT: dict[str, int] = {"s": NS_PER_S, "ms": NS_PER_MS, "us": NS_PER_US, "ns": 1}

#: Latest instant an int64 nanosecond count can hold (2262-04-11).
MAX_NS = np.iinfo(np.int64).max


def to_ns(moment: datetime | date) -> int:
    """Return nanoseconds since the epoch of an aware datetime (a ``date``: its UTC midnight)."""
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise TimestampError(f"naive datetime {moment.isoformat()}: expected a time zone")
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * NS_PER_S + delta.microseconds * NS_PER_US


def from_ns(ns: int) -> datetime:
    """Return the aware UTC datetime of ``ns`` (sub-microsecond digits are dropped)."""
    seconds, rest = divmod(int(ns), NS_PER_S)
    return datetime.fromtimestamp(seconds, tz=UTC).replace(microsecond=rest // NS_PER_US)


def ns_to_iso(ns: int) -> str:
    """Format ``ns`` as ISO 8601 UTC with nine fractional digits, e.g. ``...00.000000001Z``."""
    seconds, rest = divmod(int(ns), NS_PER_S)
    stamp = datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{rest:09d}Z"


def day_start_ns(ns: int) -> int:
    """Return the UTC midnight at or before ``ns``."""
    return int(ns) - int(ns) % NS_PER_DAY


def parse_timestamp(text: str | int, tz: str = "UTC") -> int:
    """Parse one timestamp given by a user: ISO 8601, a date, or an integer count of nanoseconds.

    Text without an offset is read in ``tz`` (UTC unless stated).
    """
    if isinstance(text, int):
        return text
    stripped = text.strip()
    if stripped.lstrip("-").isdigit():
        return int(stripped)
    try:
        return int(iso_to_ns(pa.array([stripped]), tz=tz, column="timestamp")[0])
    except DataValidationError as exc:
        raise TimestampError(
            f"cannot parse timestamp {text!r}: expected ISO 8601 such as "
            "'2024-01-02T03:04:05.123Z', a date such as '2024-01-02', or integer nanoseconds"
        ) from exc


def guess_epoch_unit(values: np.ndarray) -> EpochUnit:
    """Guess whether integers count s, ms, µs or ns since the epoch, from their magnitude.

    Works for any date between 1973 and 2262.
    """
    if len(values) == 0:
        return "ns"
    magnitude = float(np.nanmax(np.abs(values)))
    if magnitude < 1e11:
        return "s"
    if magnitude < 1e14:
        return "ms"
    if magnitude < 1e17:
        return "us"
    return "ns"


def epoch_to_ns(
    values: np.ndarray | pa.Array | Sequence[float],
    unit: EpochUnit | Literal["auto"],
    *,
    column: str = "timestamp",
) -> np.ndarray:
    """Convert epoch counts in ``unit`` to int64 nanoseconds (fractions of a unit are kept)."""
    if isinstance(values, pa.ChunkedArray | pa.Array):
        _reject_nulls(values, column)
        values = values.to_numpy(zero_copy_only=False)
    array = np.asarray(values)
    if unit == "auto":
        unit = guess_epoch_unit(array)
    if unit not in _NS_PER_UNIT:
        raise TimestampError(f"unknown epoch unit {unit!r}: expected one of s, ms, us, ns, auto")
    factor = _NS_PER_UNIT[unit]
    if array.dtype.kind == "f":
        bad = ~np.isfinite(array) | (array < 0) | (array * factor >= 9.2e18)
        _raise_first(bad, array, column, "timestamp is not a finite epoch count after 1970")
        return _float_epoch_to_ns(array.astype(np.float64, copy=False), factor)
    if array.dtype.kind not in "iu":
        raise DataValidationError(
            f"expected integer epoch counts, got {array.dtype}", column=column
        )
    array = array.astype(np.int64, copy=False)
    bad = (array < 0) | (array > MAX_NS // factor)
    _raise_first(bad, array, column, "timestamp is out of range (1970 to 2262)")
    return array * factor if factor != 1 else array


def _float_epoch_to_ns(array: np.ndarray, factor: int) -> np.ndarray:
    """Convert non-negative float counts to ns, reading each float as its shortest decimal.

    ``1577916000.123`` seconds is stored as ``1577916000.12299990654...``; multiplying by
    ``1e9`` in floating point would be off by up to 128 ns. The whole units are converted
    exactly, and the fraction is rounded to the coarsest power of ten of nanoseconds that
    still gives back the same float (as ``repr`` does), so the result is ``...123000000``.
    """
    whole = np.floor(array)
    fraction_ns = (array - whole) * factor
    result = whole.astype(np.int64) * factor
    pending = np.arange(array.shape[0])
    exponent = len(str(factor)) - 1
    for power in (10**k for k in range(exponent, -1, -1)):
        candidate = np.rint(fraction_ns[pending] / power) * power
        if power == 1:
            same = np.ones(pending.shape[0], dtype=bool)
        else:
            same = whole[pending] + candidate / factor == array[pending]
        result[pending[same]] += candidate[same].astype(np.int64)
        pending = pending[~same]
        if pending.shape[0] == 0:
            break
    return result


def iso_to_ns(
    values: pa.Array | pa.ChunkedArray | Sequence[str],
    *,
    tz: str | None = None,
    column: str = "timestamp",
) -> np.ndarray:
    """Parse ISO 8601 strings (``T`` or space separated, up to nine fractional digits).

    Strings with an offset (``Z``, ``+01:00``) keep it. Strings without one are read in
    ``tz`` (an IANA name such as ``America/New_York`` or a fixed offset such as ``-05:00``);
    with ``tz=None`` they are an error.
    """
    array = _as_string_array(values, column)
    try:
        parsed = pc.cast(array, pa.timestamp("ns", "UTC"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        if tz is None:
            _raise_first_unparseable(array, column, "UTC", needs_offset=True)
        _check_zone(tz)
        try:
            return _parse_in_zone(array, tz)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            _raise_first_unparseable(array, column, tz, needs_offset=False)
    return _timestamps_to_ns(parsed)


_OFFSET = r"(Z|[+-]\d\d:?\d\d)$"


def _parse_in_zone(array: pa.Array, tz: str) -> np.ndarray:
    """Parse strings read in ``tz``, except those that carry their own offset."""
    aware = pc.match_substring_regex(array, _OFFSET)
    mask = aware.to_numpy(zero_copy_only=False)
    if not mask.any():
        return _timestamps_to_ns(pc.assume_timezone(pc.cast(array, pa.timestamp("ns")), tz))
    out = np.empty(len(array), dtype=np.int64)
    out[mask] = _timestamps_to_ns(pc.cast(array.filter(aware), pa.timestamp("ns", "UTC")))
    local = pc.cast(array.filter(pc.invert(aware)), pa.timestamp("ns"))
    out[~mask] = _timestamps_to_ns(pc.assume_timezone(local, tz))
    return out


def strptime_to_ns(
    values: pa.Array | pa.ChunkedArray | Sequence[str],
    fmt: str,
    *,
    tz: str,
    column: str = "timestamp",
) -> np.ndarray:
    """Parse strings with a ``strptime`` format, read in zone ``tz``."""
    array = _as_string_array(values, column)
    parsed = pc.strptime(array, format=fmt, unit="ns", error_is_null=True)
    bad = pc.is_null(parsed).to_numpy(zero_copy_only=False)
    _raise_first(bad, array, column, f"timestamp does not match format {fmt!r}")
    _check_zone(tz)
    try:
        return _timestamps_to_ns(pc.assume_timezone(parsed, tz))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        local = pc.strftime(parsed, format="%Y-%m-%dT%H:%M:%S")
        _raise_first_unparseable(local, column, tz, needs_offset=False)
        raise


def compact_to_ns(
    values: pa.Array | pa.ChunkedArray | Sequence[str],
    *,
    tz: str,
    column: str = "timestamp",
) -> np.ndarray:
    """Parse ``YYYYMMDD HHMMSSmmm`` (HistData's tick format) read in zone ``tz``.

    HistData states its times in EST without daylight saving: pass ``tz="-05:00"``.
    """
    array = _as_string_array(values, column)
    lengths = pc.utf8_length(array).to_numpy(zero_copy_only=False)
    _raise_first(lengths != 18, array, column, "expected 'YYYYMMDD HHMMSSmmm'")
    millis_text = pc.utf8_slice_codeunits(array, 15, 18)
    digits = pc.utf8_is_digit(millis_text).to_numpy(zero_copy_only=False)
    _raise_first(~digits, array, column, "expected three digits of milliseconds")
    seconds = strptime_to_ns(pc.utf8_slice_codeunits(array, 0, 15), "%Y%m%d %H%M%S", tz=tz,
                             column=column)
    millis = pc.cast(millis_text, pa.int64()).to_numpy(zero_copy_only=False)
    return seconds + millis * NS_PER_MS


def _as_string_array(values: pa.Array | pa.ChunkedArray | Sequence[str], column: str) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    array = values if isinstance(values, pa.Array) else pa.array(values, type=pa.string())
    if not pa.types.is_string(array.type) and not pa.types.is_large_string(array.type):
        array = pc.cast(array, pa.string())
    _reject_nulls(array, column)
    return array


def _reject_nulls(array: pa.Array | pa.ChunkedArray, column: str) -> None:
    if array.null_count:
        nulls = pc.is_null(array).to_numpy(zero_copy_only=False)
        _raise_first(nulls, None, column, "timestamp is missing")


def _timestamps_to_ns(parsed: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.cast(parsed, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)


def _raise_first(bad: np.ndarray, values: Any, column: str, reason: str) -> None:
    if bad.any():
        index = int(np.argmax(bad))
        value = None
        if values is not None:
            value = values[index]
            value = value.as_py() if hasattr(value, "as_py") else value
            value = value.item() if isinstance(value, np.generic) else value
        raise DataValidationError(reason, row=index + 1, column=column, value=value)


def _check_zone(tz: str) -> None:
    """Raise :class:`TimestampError` unless ``tz`` is an IANA zone name or a fixed offset."""
    try:
        pc.assume_timezone(pa.array([0], pa.timestamp("s")), tz)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise TimestampError(
            f"unknown time zone {tz!r}: expected an IANA name such as 'America/New_York' "
            "or a fixed offset such as '-05:00'"
        ) from None


def _raise_first_unparseable(array: pa.Array, column: str, tz: str, *,
                             needs_offset: bool) -> NoReturn:
    """Find the first string that fails to parse (slow path, only taken on error)."""
    for index, value in enumerate(array.to_pylist()):
        try:
            if needs_offset:
                pc.cast(pa.array([value]), pa.timestamp("ns", "UTC"))
            else:
                _parse_in_zone(pa.array([value]), tz)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            reason = "cannot parse timestamp as ISO 8601"
            if _parses_naive(value):
                reason = (
                    "timestamp has no UTC offset and no time zone was given" if needs_offset
                    else f"local time does not exist or is ambiguous in zone {tz!r}"
                )
            raise DataValidationError(reason, row=index + 1, column=column, value=value) from None
    raise DataValidationError(f"cannot parse timestamps in zone {tz!r}", column=column)


def _parses_naive(value: str) -> bool:
    try:
        pc.cast(pa.array([value]), pa.timestamp("ns"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True
