"""Databento DBN record layouts as numpy dtypes, and the file's metadata.

DBN is a metadata header followed by fixed-size little-endian records, so a block
of records is read straight into a numpy structured array (no Python object per
record). The layouts of the schemas read here are the same in DBN versions 1 to 3;
``ts_out`` files append 8 bytes to each record, which the record length tells.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any

import numpy as np

from sapphire.core.errors import ConfigError, DataValidationError

_HEADER = [("length", "u1"), ("rtype", "u1"), ("publisher_id", "<u2"),
           ("instrument_id", "<u4"), ("ts_event", "<u8")]
_MBP_BODY = [("price", "<i8"), ("size", "<u4"), ("action", "S1"), ("side", "S1"),
             ("flags", "u1"), ("depth", "u1"), ("ts_recv", "<u8"), ("ts_in_delta", "<i4"),
             ("sequence", "<u4")]
_BODIES = {
    "mbo": [("order_id", "<u8"), ("price", "<i8"), ("size", "<u4"), ("flags", "u1"),
            ("channel_id", "u1"), ("action", "S1"), ("side", "S1"), ("ts_recv", "<u8"),
            ("ts_in_delta", "<i4"), ("sequence", "<u4")],
    "mbp-1": [*_MBP_BODY, ("bid_px", "<i8"), ("ask_px", "<i8"), ("bid_sz", "<u4"),
              ("ask_sz", "<u4"), ("bid_ct", "<u4"), ("ask_ct", "<u4")],
    "trades": _MBP_BODY,
    "ohlcv": [("open", "<i8"), ("high", "<i8"), ("low", "<i8"), ("close", "<i8"),
              ("volume", "<u8")],
}
#: Record type of each schema (``rtype`` in the record header).
RTYPES = {"mbo": (0xA0,), "mbp-1": (0x01,), "trades": (0x00,),
          "ohlcv": (0x20, 0x21, 0x22, 0x23, 0x24)}
#: Schemas read, with the record layout each uses.
SCHEMAS = {"mbo": "mbo", "mbp-1": "mbp-1", "trades": "trades", "ohlcv-1s": "ohlcv",
           "ohlcv-1m": "ohlcv", "ohlcv-1h": "ohlcv", "ohlcv-1d": "ohlcv"}

UNDEF_PRICE = np.iinfo(np.int64).max
F_LAST = 128
F_SNAPSHOT = 32


def natural_size(layout: str) -> int:
    """Return the size in bytes of a ``layout`` record without ``ts_out``."""
    return np.dtype(_HEADER + _BODIES[layout]).itemsize


def record_dtype(layout: str, record_size: int) -> np.dtype:
    """Return the structured dtype of ``layout`` records ``record_size`` bytes long."""
    base = np.dtype(_HEADER + _BODIES[layout])
    if record_size < base.itemsize:
        raise ConfigError(f"DBN {layout} records are {base.itemsize} bytes, file has {record_size}")
    fields: Any = base.fields
    names = list(base.names or ())
    spec: Any = {"names": names, "formats": [fields[n][0] for n in names],
                 "offsets": [fields[n][1] for n in names], "itemsize": record_size}
    return np.dtype(spec)


@dataclass(frozen=True, slots=True)
class DbnHeader:
    """What the loader needs from the DBN metadata."""

    schema: str | None
    ts_out: bool
    #: raw symbol -> instrument ids it maps to (any date)
    symbols: dict[str, set[int]]


def read_header(stream: IO[bytes], source: str) -> DbnHeader:
    """Read the metadata at the start of a DBN stream, leaving it at the first record."""
    import databento_dbn

    prefix = stream.read(8)
    if len(prefix) < 8 or prefix[:3] != b"DBN":
        raise DataValidationError("not a DBN file (no 'DBN' signature)", source=source)
    length = int.from_bytes(prefix[4:8], "little")
    body = stream.read(length)
    decoder = databento_dbn.DBNDecoder()
    decoder.write(prefix + body)
    try:
        metadata: Any = decoder.decode()[0]
    except (ValueError, IndexError) as exc:
        raise DataValidationError(f"unreadable DBN metadata: {exc}", source=source) from None
    symbols: dict[str, set[int]] = {}
    for raw, intervals in (metadata.mappings or {}).items():
        ids = {int(item["symbol"]) for item in intervals if str(item["symbol"]).isdigit()}
        symbols[str(raw)] = ids
    schema = None if metadata.schema is None else str(metadata.schema)
    return DbnHeader(schema, bool(metadata.ts_out), symbols)
