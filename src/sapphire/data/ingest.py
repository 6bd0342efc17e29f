"""Import a vendor file into the catalog in one transaction.

Parsing (in the loader, on a background thread) overlaps with validation and
Parquet writing (here), and both release the GIL for most of their work. If any
row is bad, nothing of the file is stored.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, cast

from sapphire.core.enums import DataType
from sapphire.core.errors import ConfigError
from sapphire.core.identifiers import InstrumentId
from sapphire.data.bar_type import BarType
from sapphire.data.validation import STRICT, OrderPolicy
from sapphire.model.instruments import Instrument

T = TypeVar("T")

if TYPE_CHECKING:
    from sapphire.data.catalog import Catalog
    from sapphire.data.catalog_txn import Transaction
    from sapphire.data.loaders.base import Loader


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import stored."""

    path: str
    series: str
    rows: int
    chunks: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


def import_file(
    catalog: Catalog,
    path: str | Path,
    loader: Loader,
    instrument: Instrument | InstrumentId | str,
    *,
    bar_type: BarType | str | None = None,
    policy: OrderPolicy = STRICT,
    chunk_rows: int = 1_000_000,
    progress: bool = False,
) -> ImportReport:
    """Read ``path`` with ``loader`` and store it for ``instrument``, all or nothing.

    ``instrument`` may be a spec (registered with the same transaction) or the id of
    one already in the catalog. Bars need their ``bar_type``.
    """
    started = time.perf_counter()
    key = _series_key(loader.data_type, instrument, bar_type)
    rows = chunks = 0
    with catalog.transaction() as txn:
        spec = stored_instrument(txn, instrument)
        chunk_source = loader.read_validated(path, spec, policy=policy, chunk_rows=chunk_rows,
                                             progress=progress)
        for table in prefetch(chunk_source):
            rows += txn.write(loader.data_type, key, table, policy=policy, source=str(path))
            chunks += 1
    return ImportReport(str(path), f"{loader.data_type}/{key}", rows, chunks,
                        time.perf_counter() - started)


def stored_instrument(txn: Transaction, instrument: Instrument | InstrumentId | str,
                      ) -> Instrument:
    """Return the spec of ``instrument``: registered with ``txn`` when a spec is given,
    else read from the catalog by id (an unknown id is the catalog's error)."""
    if isinstance(instrument, Instrument):
        txn.add_instrument(instrument)
        return instrument
    return txn.instrument(InstrumentId.parse(str(instrument)))


def _series_key(data_type: DataType, instrument: Instrument | InstrumentId | str,
                bar_type: BarType | str | None) -> InstrumentId | BarType:
    instrument_id = instrument.id if isinstance(instrument, Instrument) else InstrumentId.parse(
        str(instrument))
    if data_type != DataType.BARS:
        if bar_type is not None:
            raise ConfigError(f"a bar type was given for {data_type}, which are not bars")
        return instrument_id
    if bar_type is None:
        raise ConfigError(
            "importing bars needs a bar type, e.g. BTCUSDT.BINANCE-1-min-last-external")
    bar_type = BarType.parse(bar_type) if isinstance(bar_type, str) else bar_type
    if bar_type.instrument_id != instrument_id:
        raise ConfigError(
            f"bar type {bar_type} is for {bar_type.instrument_id}, not {instrument_id}")
    return bar_type


def prefetch(chunks: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Pull ``chunks`` on a background thread, ``depth`` ahead; re-raise its errors here."""
    handoff: queue.Queue[tuple[str, object]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for chunk in chunks:
                if stop.is_set():
                    return
                handoff.put(("chunk", chunk))
            handoff.put(("done", None))
        except BaseException as exc:  # handed to the consumer, which re-raises it
            handoff.put(("error", exc))

    worker = threading.Thread(target=produce, name="sapphire-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            kind, item = handoff.get()
            if kind == "done":
                return
            if kind == "error":
                assert isinstance(item, BaseException)
                raise item
            yield cast(T, item)
    finally:
        stop.set()
        while worker.is_alive():
            try:
                handoff.get_nowait()
            except queue.Empty:
                worker.join(timeout=0.05)
