"""numba kernel: parse plain numeric CSV text straight into typed columns.

For :mod:`sapphire.data.loaders.csv_io`. It accepts only a strict, common subset
and answers :data:`UNSUPPORTED` for anything else, so that Arrow parses that piece
instead and the results (and errors) are Arrow's:

* fields separated by one delimiter byte, lines ending in LF or CRLF, empty lines
  skipped, no quotes anywhere, no white space around numbers;
* decimals ``-?D+(.D+)?`` with at most 18 digits (a float column gets the nearest
  double: the digits are below 2**53 and divided by an exact power of ten, one
  correctly rounded operation, as in Clinger's fast path), integers ``-?D+``;
* UTC timestamps ``YYYY-MM-DD[T ]hh:mm:ss[.f]Z`` with 1 to 9 fraction digits and a
  year from 1678 to 2261 (int64 nanoseconds).
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: What a file column holds (``kinds`` argument).
SKIP = 0
FLOAT = 1
INT = 2
UTC_TIME = 3
#: Return statuses.
OK = 0
UNSUPPORTED = 1

_POW10 = np.array([10.0**k for k in range(19)])
_NS_PER_DIGITS = np.array([10 ** (9 - k) for k in range(10)], dtype=np.int64)
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
_MAX_DIGITS = 18
_LARGEST_EXACT = 2**53


@njit(cache=True, nogil=True)
def _is_digit(byte):  # pragma: no cover - compiled
    return 48 <= byte <= 57


@njit(cache=True, nogil=True)
def _two(buf, at):  # pragma: no cover - compiled
    return (np.int64(buf[at]) - 48) * 10 + (np.int64(buf[at + 1]) - 48)


@njit(cache=True, nogil=True)
def _epoch_day(year, month, day):  # pragma: no cover - compiled
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil)."""
    year -= 1 if month <= 2 else 0
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    return (era * 146097 + year_of_era * 365 + year_of_era // 4 - year_of_era // 100
            + day_of_year - 719468)


@njit(cache=True, nogil=True)
def _utc_time(buf, pos, n):  # pragma: no cover - compiled
    """Return ``(ns, position after the field)``, or ``(0, -1)`` if unsupported."""
    if pos + 20 > n:
        return 0, -1
    for k in (0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18):
        if not _is_digit(buf[pos + k]):
            return 0, -1
    if not (buf[pos + 4] == 45 and buf[pos + 7] == 45 and buf[pos + 13] == 58
            and buf[pos + 16] == 58 and (buf[pos + 10] == 84 or buf[pos + 10] == 32)):
        return 0, -1
    year = _two(buf, pos) * 100 + _two(buf, pos + 2)
    month, day = _two(buf, pos + 5), _two(buf, pos + 8)
    hour, minute, second = _two(buf, pos + 11), _two(buf, pos + 14), _two(buf, pos + 17)
    if year < 1678 or year > 2261 or month < 1 or month > 12 or day < 1:
        return 0, -1
    leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0
    if day > _MONTH_DAYS[month] + (1 if month == 2 and leap else 0):
        return 0, -1
    if hour > 23 or minute > 59 or second > 59:
        return 0, -1
    pos += 19
    fraction = 0
    digits = 0
    if buf[pos] == 46:
        pos += 1
        while pos < n and _is_digit(buf[pos]):
            if digits == 9:
                return 0, -1
            fraction = fraction * 10 + (int(buf[pos]) - 48)
            digits += 1
            pos += 1
        if digits == 0:
            return 0, -1
    if pos >= n or buf[pos] != 90:  # Z
        return 0, -1
    seconds = _epoch_day(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    return seconds * 1_000_000_000 + fraction * _NS_PER_DIGITS[digits], pos + 1


@njit(cache=True, nogil=True)
def _decimal(buf, pos, n, allow_dot):  # pragma: no cover - compiled
    """Return ``(negative, digits as an integer, digits after the dot, position after)``.

    The position is -1 when the field is not a plain decimal of at most 18 digits.
    """
    negative = False
    if pos < n and buf[pos] == 45:
        negative = True
        pos += 1
    value = np.int64(0)
    digits = 0
    after_dot = -1
    while pos < n:
        byte = buf[pos]
        if _is_digit(byte):
            if digits == _MAX_DIGITS:
                return negative, value, 0, -1
            value = value * 10 + (np.int64(byte) - 48)
            digits += 1
            if after_dot >= 0:
                after_dot += 1
        elif byte == 46 and allow_dot and after_dot < 0 and digits > 0:
            after_dot = 0
        else:
            break
        pos += 1
    if digits == 0 or after_dot == 0:
        return negative, value, 0, -1
    return negative, value, max(after_dot, 0), pos


@njit(cache=True, nogil=True)
def parse_numeric_csv_nb(buf, delimiter, kinds, slots, out_float, out_int):  # pragma: no cover
    """Parse ``buf`` (bytes of whole lines) into ``out_float``/``out_int`` rows.

    ``kinds[c]`` says what file column ``c`` holds and ``slots[c]`` which row of the
    matching output array receives it. Return ``(status, rows)``.
    """
    n = buf.shape[0]
    columns = kinds.shape[0]
    capacity = out_float.shape[1] if out_float.shape[0] else out_int.shape[1]
    pos = 0
    row = 0
    while pos < n:
        if buf[pos] == 10:
            pos += 1
            continue
        if buf[pos] == 13 and pos + 1 < n and buf[pos + 1] == 10:
            pos += 2
            continue
        if row == capacity:
            return UNSUPPORTED, row
        for column in range(columns):
            kind = kinds[column]
            if kind == UTC_TIME:
                ns, pos = _utc_time(buf, pos, n)
                if pos < 0:
                    return UNSUPPORTED, row
                out_int[slots[column], row] = ns
            elif kind in (FLOAT, INT):
                negative, value, after_dot, pos = _decimal(buf, pos, n, kind == FLOAT)
                if pos < 0:
                    return UNSUPPORTED, row
                if kind == INT:
                    out_int[slots[column], row] = -value if negative else value
                elif value > _LARGEST_EXACT:
                    return UNSUPPORTED, row
                else:
                    number = value / _POW10[after_dot]
                    out_float[slots[column], row] = -number if negative else number
            else:
                while pos < n and buf[pos] != delimiter and buf[pos] != 10 and buf[pos] != 13:
                    if buf[pos] == 34:  # a quote: Arrow's rules apply
                        return UNSUPPORTED, row
                    pos += 1
            if column < columns - 1:
                if pos >= n or buf[pos] != delimiter:
                    return UNSUPPORTED, row
                pos += 1
        if pos < n:
            if buf[pos] == 13:
                pos += 1
            if pos >= n or buf[pos] != 10:
                return UNSUPPORTED, row
            pos += 1
        row += 1
    return OK, row
