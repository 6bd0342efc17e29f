"""Databento DBN files (``.dbn`` or zstd-compressed ``.dbn.zst``).

Schemas: ``mbo`` -> L3 orders, ``mbp-1`` -> quotes, ``trades`` -> trades,
``ohlcv-1s/1m/1h/1d`` -> bars. Choices made here:

* **Which instrument.** A file may hold several instrument ids. Records are kept for
  the ``instrument_id`` option when given, else for the ids the metadata's symbology
  maps the instrument's symbol to (``ESH4`` in ``ESH4.GLBX``); other records are
  skipped. With neither, the import stops with an error listing the symbols.
* **Rows** are records numbered from 1 in the file, skipped ones included.
* **Prices** are fixed-point 1e-9 units, converted to ticks in integers exactly; an
  undefined price (an empty book side, a clear) becomes 0.
* **Order.** Records stay in file order, which Databento sorts by ``ts_recv``
  (stored as ``ts_init``); ``ts_event`` keeps the venue's time. Should ``ts_event``
  go backwards (several channels in one file), STRICT rejects the file naming the
  row: import it with the REPAIR policy, which sorts each chunk.
* **MBO snapshots.** Snapshot records carry each order's own last sequence number,
  not the snapshot's; as the snapshot is one message, their ``sequence`` is raised to
  the highest seen so far in it, so ``(ts_event, sequence)`` never goes backwards.
* **Repeated fills.** CME reports one fill record per counterparty, so a resting
  order filled by two aggressors in one message at one price can give two records
  identical in every stored column, which validation would reject as duplicates.
  Fill (and trade) records of one order equal in every column but size are merged
  into the first, with the summed size: traded volume and the book are unchanged,
  the count of fills is not (the real ESH4 sample: 68,792 records, 68,767 rows).
* Chunks of MBO records end at a record flagged F_LAST (end of a venue message).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, ClassVar

import numpy as np
import pyarrow as pa

from sapphire.core.enums import DataType, OrderAction, RecordFlag, Side
from sapphire.core.errors import ConfigError, DataValidationError, IncrementError, SchemaError
from sapphire.data.bar_type import BarSpec
from sapphire.data.loaders.base import Loader
from sapphire.data.loaders.convert import lots
from sapphire.data.loaders.dbn_records import (
    F_LAST,
    F_SNAPSHOT,
    RTYPES,
    SCHEMAS,
    UNDEF_PRICE,
    DbnHeader,
    read_header,
    record_dtype,
)
from sapphire.data.loaders.locate import Chunk, Rows
from sapphire.data.loaders.options import as_int
from sapphire.data.loaders.progress import ByteProgress
from sapphire.data.schemas import schema_for
from sapphire.model.instruments import Instrument

log = logging.getLogger(__name__)

_DATA_TYPES = {"mbo": DataType.L3_ORDERS, "mbp-1": DataType.QUOTES, "trades": DataType.TRADES,
               "ohlcv": DataType.BARS}
_ACTIONS = {b"A": OrderAction.ADD, b"M": OrderAction.MODIFY, b"C": OrderAction.CANCEL,
            b"F": OrderAction.FILL, b"T": OrderAction.TRADE, b"R": OrderAction.CLEAR}
_SIDES = {b"A": Side.SELL, b"B": Side.BUY, b"N": Side.NONE}
_READ_BYTES = 1 << 20
_BAR_SPECS = {"ohlcv-1s": "1-s-last", "ohlcv-1m": "1-min-last", "ohlcv-1h": "1-h-last",
              "ohlcv-1d": "1-d-last"}


class DatabentoLoader(Loader):
    """Databento DBN (``.dbn``/``.dbn.zst``): MBO, MBP-1, trades or OHLCV records.

    Parameters
    ----------
    schema
        ``mbo``, ``mbp-1``, ``trades`` or ``ohlcv-1s``/``-1m``/``-1h``/``-1d``; must match
        the file's.
    instrument_id
        Databento's numeric instrument id to keep; by default taken from the file's
        symbology for the instrument's symbol.
    """

    name: ClassVar[str] = "databento"
    data_type: ClassVar[DataType] = DataType.L3_ORDERS

    def __init__(self, schema: str = "mbo", *, instrument_id: int | str | None = None) -> None:
        if schema not in SCHEMAS:
            raise ConfigError(
                f"unknown Databento schema {schema!r}: expected one of {list(SCHEMAS)}")
        self.schema = schema
        self.layout = SCHEMAS[schema]
        self.instrument_id = as_int(instrument_id, "instrument_id")
        self.data_type = _DATA_TYPES[self.layout]  # type: ignore[misc]
        self._bar_ns = BarSpec.parse(_BAR_SPECS[schema]).step_ns if schema in _BAR_SPECS else 0

    @classmethod
    def data_type_text(cls) -> str:
        kinds = ", ".join(f"{layout}{'-*' if layout == 'ohlcv' else ''}: {kind}"
                          for layout, kind in _DATA_TYPES.items())
        return f"by the schema option ({kinds})"

    def __repr__(self) -> str:
        return f"DatabentoLoader({self.schema!r}, instrument_id={self.instrument_id})"

    def _chunks(self, path: Path, instrument: Instrument, chunk_rows: int,
                bar: ByteProgress) -> Iterator[Chunk]:
        source = str(path)
        with path.open("rb") as raw_file:
            stream = _decompressed(raw_file, path)
            header = read_header(stream, source)
            if header.schema is not None and header.schema != self.schema:
                raise SchemaError(f"{source}: the file holds {header.schema} records, "
                                  f"the loader reads {self.schema}")
            wanted = self._instrument_ids(header, instrument, source)
            converter = _Converter(self, instrument, source)
            for records, first in self._blocks(stream, raw_file, chunk_rows, source, bar):
                keep = np.isin(records["instrument_id"], list(wanted))
                chunk = converter.convert(records[keep], first + np.flatnonzero(keep))
                if chunk is not None:
                    yield chunk

    def _instrument_ids(self, header: DbnHeader, instrument: Instrument, source: str) -> set[int]:
        if self.instrument_id is not None:
            return {self.instrument_id}
        ids = header.symbols.get(instrument.id.symbol)
        if not ids:
            raise ConfigError(
                f"{source}: the symbology maps no instrument id to {instrument.id.symbol!r} "
                f"(it maps {sorted(header.symbols)}); pass the instrument_id option")
        return ids

    def _blocks(self, stream: IO[bytes], raw_file: IO[bytes], chunk_rows: int, source: str,
                bar: ByteProgress) -> Iterator[tuple[np.ndarray, int]]:
        """Yield ``(records, 1-based file record number of the first)``; MBO ends at F_LAST."""
        pending = b""
        first = 1
        size = 0
        dtype: np.dtype | None = None
        eof = False
        while True:
            if not eof:
                data = stream.read(_READ_BYTES)
                eof = not data
                pending += data
            if dtype is None:
                if not pending:
                    return
                size = pending[0] * 4
                dtype = record_dtype(self.layout, size)
            whole = len(pending) // size
            if eof and len(pending) % size:
                raise DataValidationError("the file ends inside a record", source=source,
                                          row=first + whole)
            records = np.frombuffer(pending, dtype=dtype, count=whole)
            cut = self._cut(records, chunk_rows, eof)
            if cut == 0:
                if eof:
                    return
                continue
            _check_records(records[:cut], self.layout, size, source, first)
            yield records[:cut].copy(), first
            bar.at(raw_file.tell())
            pending = pending[cut * size:]
            first += cut

    def _cut(self, records: np.ndarray, chunk_rows: int, eof: bool) -> int:
        """How many records to yield now (0: read more); MBO chunks end at F_LAST."""
        n = len(records)
        if self.layout != "mbo" or n == 0:
            return chunk_rows if n >= chunk_rows else (n if eof else 0)
        ends = np.flatnonzero(records["flags"] & F_LAST)
        enough = ends[ends >= chunk_rows - 1]
        if len(enough):
            return int(enough[0]) + 1
        if eof:
            return n
        if n >= 16 * max(chunk_rows, 65_536):  # a message this long: cut anyway
            return int(ends[-1]) + 1 if len(ends) else n
        return 0


def _decompressed(raw_file: IO[bytes], path: Path) -> IO[bytes]:
    if path.suffix == ".zst":
        import zstandard

        return zstandard.ZstdDecompressor().stream_reader(raw_file)
    return raw_file


def _check_records(records: np.ndarray, layout: str, size: int, source: str, first: int) -> None:
    bad = (records["length"].astype(np.int64) * 4 != size) | ~np.isin(records["rtype"],
                                                                      RTYPES[layout])
    if bad.any():
        index = int(np.argmax(bad))
        raise DataValidationError(f"not a {layout} record (rtype {records['rtype'][index]}, "
                                  f"length {records['length'][index] * 4} bytes)", source=source,
                                  row=first + index, column="rtype")


class _Converter:
    """Turns records of one layout into a chunk of schema columns."""

    def __init__(self, loader: DatabentoLoader, instrument: Instrument, source: str) -> None:
        self.loader = loader
        self.instrument = instrument
        self.source = source
        self.snapshot_sequence = -1
        step = instrument.price_step
        if step.exponent > 9:
            raise ConfigError(f"price increment {step} is finer than Databento's 1e-9 prices")
        self.tick = step.mantissa * 10 ** (9 - step.exponent)

    def convert(self, records: np.ndarray, file_rows: np.ndarray) -> Chunk | None:
        if not len(records):
            return None
        rows = Rows(self.source, index=file_rows)
        layout = self.loader.layout
        with rows.locating():
            if layout == "mbo":
                columns = self._mbo(records)
            elif layout == "mbp-1":
                columns = self._quotes(records)
            elif layout == "trades":
                columns = self._trades(records)
            else:
                columns = self._bars(records)
        data_type = self.loader.data_type
        if data_type == DataType.L3_ORDERS:
            columns, file_rows = _merge_repeated_fills(columns, file_rows)
        schema = schema_for(data_type)
        table = pa.Table.from_arrays([pa.array(columns[f.name], f.type) for f in schema],
                                     schema=schema)
        return Chunk(table, Rows(self.source, index=file_rows,
                                 columns={"ts_init": "ts_recv", "bid_price": "bid_px",
                                          "ask_price": "ask_px", "bid_size": "bid_sz",
                                          "ask_size": "ask_sz", "aggressor_side": "side"}))

    def _times(self, records: np.ndarray) -> dict[str, np.ndarray]:
        ts_event = records["ts_event"].astype(np.int64)
        ts_recv = records["ts_recv"].astype(np.int64) if "ts_recv" in (records.dtype.names or ()) \
            else ts_event
        return {"ts_event": ts_event, "ts_init": ts_recv}

    def _mbo(self, records: np.ndarray) -> dict[str, np.ndarray]:
        flags = records["flags"]
        snapshot = (flags & F_SNAPSHOT) != 0
        return {
            **self._times(records),
            "sequence": self._sequence(records["sequence"].astype(np.int64), snapshot),
            "order_id": records["order_id"],
            "side": _codes(records["side"], _SIDES, "side"),
            "action": _codes(records["action"], _ACTIONS, "action"),
            "price": self._ticks(records["price"], "price"),
            "size": lots(self.instrument, records["size"].astype(np.float64), "size"),
            "flags": (np.where(snapshot, np.uint8(RecordFlag.SNAPSHOT), np.uint8(0))
                      | np.where(flags & F_LAST, np.uint8(RecordFlag.LAST), np.uint8(0))
                      ).astype(np.uint8),
        }

    def _sequence(self, sequence: np.ndarray, snapshot: np.ndarray) -> np.ndarray:
        if snapshot.any():
            start = np.int64(self.snapshot_sequence)
            raised = np.maximum.accumulate(np.concatenate([[start], sequence[snapshot]]))[1:]
            sequence = sequence.copy()
            sequence[snapshot] = raised
        self.snapshot_sequence = int(sequence[-1]) if snapshot[-1] else -1
        return sequence

    def _quotes(self, records: np.ndarray) -> dict[str, np.ndarray]:
        return {
            **self._times(records),
            "bid_price": self._ticks(records["bid_px"], "bid_px"),
            "ask_price": self._ticks(records["ask_px"], "ask_px"),
            "bid_size": lots(self.instrument, records["bid_sz"].astype(np.float64), "bid_sz"),
            "ask_size": lots(self.instrument, records["ask_sz"].astype(np.float64), "ask_sz"),
        }

    def _trades(self, records: np.ndarray) -> dict[str, np.ndarray]:
        return {
            **self._times(records),
            "price": self._ticks(records["price"], "price"),
            "size": lots(self.instrument, records["size"].astype(np.float64), "size"),
            "aggressor_side": _codes(records["side"], _SIDES, "side"),
            "trade_id": np.array([""] * len(records), dtype=object),
        }

    def _bars(self, records: np.ndarray) -> dict[str, np.ndarray]:
        close_time = records["ts_event"].astype(np.int64) + self.loader._bar_ns
        columns = {"ts_event": close_time, "ts_init": close_time}
        for name in ("open", "high", "low", "close"):
            columns[name] = self._ticks(records[name], name)
        columns["volume"] = lots(self.instrument, records["volume"].astype(np.float64), "volume")
        return columns

    def _ticks(self, fixed: np.ndarray, name: str) -> np.ndarray:
        """Convert 1e-9 fixed-point prices to ticks exactly (undefined -> 0)."""
        undefined = fixed == UNDEF_PRICE
        values = np.where(undefined, 0, fixed)
        off = values % self.tick != 0
        if off.any():
            row = int(np.argmax(off))
            raise IncrementError(
                f"{name} is not a multiple of the increment {self.instrument.price_increment}",
                row=row + 1, column=name, value=int(values[row]) / 1e9)
        return values // self.tick


def _codes(values: np.ndarray, table: Mapping[bytes, int], name: str) -> np.ndarray:
    out = np.full(len(values), -1, dtype=np.int8)
    for label, code in table.items():
        out[values == label] = code
    if (out < 0).any():
        row = int(np.argmax(out < 0))
        raise DataValidationError(f"unknown {name}, expected one of "
                                  f"{sorted(k.decode() for k in table)}", row=row + 1,
                                  column=name, value=values[row].decode(errors="replace"))
    return out


def _merge_repeated_fills(columns: dict[str, np.ndarray],
                          file_rows: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Merge fills (and trades) equal in every column but size into one of the summed size."""
    action = columns["action"]
    fills = np.flatnonzero((action == OrderAction.FILL) | (action == OrderAction.TRADE))
    if len(fills) < 2:
        return columns, file_rows
    names = [name for name in columns if name != "size"]
    keys = np.empty(len(fills), dtype=[(n, columns[n].dtype) for n in names])
    for n in names:
        keys[n] = columns[n][fills]
    _, first, inverse, counts = np.unique(keys, return_index=True, return_inverse=True,
                                          return_counts=True)
    if (counts == 1).all():
        return columns, file_rows
    inverse = inverse.ravel()
    sizes = columns["size"].copy()
    sizes[fills[first]] = np.bincount(inverse, weights=columns["size"][fills]).astype(np.int64)
    keep = np.ones(len(action), dtype=bool)
    keep[fills] = False
    keep[fills[first]] = True
    log.info("merged %d fill records into the first fill of their order in their message",
             int((~keep).sum()))
    merged = {**columns, "size": sizes}
    return {n: v[keep] for n, v in merged.items()}, file_rows[keep]
