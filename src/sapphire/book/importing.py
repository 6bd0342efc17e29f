"""Import vendor order book files into the catalog under the vendor's sequencing rules.

:func:`import_book` streams the file(s) through the loader and a
:class:`~sapphire.book.builders.Sequencer` (state kept across chunks, so memory is
bounded by the chunk size) and writes the kept deltas in one catalog transaction: a
bad row or, under ``on_gap=RAISE``, a broken sequencing rule leaves the catalog as it
was. ``sapphire data import --format binance-depth|bybit-orderbook|tardis-l2`` uses it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sapphire.book.builders import BOOK_FORMATS, Sequencer, stream_book
from sapphire.book.integrity import OnError
from sapphire.core.errors import ConfigError
from sapphire.core.identifiers import InstrumentId
from sapphire.data.ingest import ImportReport, _series_key, prefetch, stored_instrument
from sapphire.data.loaders import get_loader
from sapphire.data.validation import STRICT, OrderPolicy
from sapphire.model.instruments import Instrument

if TYPE_CHECKING:
    from sapphire.data.catalog import Catalog


@dataclass(frozen=True, slots=True)
class BookImportReport(ImportReport):
    """What a book import stored, and what the sequencing rules dropped.

    Attributes
    ----------
    messages, dropped_messages
        Vendor messages read, and those dropped.
    dropped_rows
        Delta rows dropped, by reason (stale diffs, a resync after a gap, rows before
        the first snapshot).
    gaps
        One line per sequencing rule broken (under ``on_gap=RESYNC``).
    """

    messages: int = 0
    dropped_messages: int = 0
    dropped_rows: dict[str, int] = field(default_factory=dict)
    gaps: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Return one line per reason rows were dropped (empty when none were)."""
        return "\n".join(f"dropped {rows:,} rows: {why}"
                         for why, rows in sorted(self.dropped_rows.items()))


def import_book(
    catalog: Catalog,
    paths: Sequence[str | Path],
    format: str,
    instrument: Instrument | InstrumentId | str,
    *,
    on_gap: OnError | str = OnError.RAISE,
    policy: OrderPolicy = STRICT,
    chunk_rows: int = 1_000_000,
    progress: bool = False,
) -> BookImportReport:
    """Import L2 book file(s) of ``format`` for ``instrument``, all or nothing.

    Parameters
    ----------
    paths
        Binance: the depth snapshot file, then the diff file(s); others: one file.
    format
        ``binance-depth``, ``bybit-orderbook`` or ``tardis-l2``.
    on_gap
        ``raise`` (nothing is stored) or ``resync`` (drop messages until the next
        snapshot; the report counts them and says why).

    Raises
    ------
    BookIntegrityError
        Under ``raise``, a message breaks the vendor's rule; names file, row, ids, rule.
    ConfigError
        ``format`` has no sequencing rule, or ``on_gap`` is unknown.
    """
    if format not in BOOK_FORMATS:
        raise ConfigError(f"format {format!r} has no book sequencing rule; expected one of "
                          f"{sorted(BOOK_FORMATS)}")
    if on_gap not in {o.value for o in OnError}:
        raise ConfigError(f"on_gap must be raise or resync, was {on_gap!r}")
    started = time.perf_counter()
    loader = get_loader(format)
    sequencer = Sequencer(BOOK_FORMATS[format], OnError(on_gap))
    key = _series_key(loader.data_type, instrument, None)
    rows = chunks = 0
    with catalog.transaction() as txn:
        spec = stored_instrument(txn, instrument)
        kept = stream_book(paths, loader, spec, sequencer, policy=policy, chunk_rows=chunk_rows,
                           progress=progress)
        for table in prefetch(kept):
            rows += txn.write(loader.data_type, key, table, policy=policy,
                              source=", ".join(map(str, paths)))
            chunks += 1
    return BookImportReport(
        ", ".join(map(str, paths)), f"{loader.data_type}/{key}", rows, chunks,
        time.perf_counter() - started, messages=sequencer.messages,
        dropped_messages=sequencer.dropped, dropped_rows=dict(sequencer.dropped_rows),
        gaps=list(sequencer.gaps))
