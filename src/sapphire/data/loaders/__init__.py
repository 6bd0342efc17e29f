"""Market data loaders: vendor files in, validated Arrow tables of schema columns out.

Every loader streams its file in chunks (bounded memory), converts prices to the
instrument's ticks and sizes to its lots exactly, validates each chunk and keeps rows
in order across chunks; every error names the file, the 1-based data row and the
file's column. Pick one by name with :func:`get_loader`.
"""

from __future__ import annotations

from typing import Any

from sapphire.core.errors import ConfigError
from sapphire.data.loaders.bars import BarCsvLoader
from sapphire.data.loaders.base import Loader
from sapphire.data.loaders.binance import (
    BinanceDepthLoader,
    BinanceQuotesLoader,
    BinanceTradesLoader,
)
from sapphire.data.loaders.bybit import BybitOrderbookLoader
from sapphire.data.loaders.databento import DatabentoLoader
from sapphire.data.loaders.fx import HistDataQuotesLoader, TrueFxQuotesLoader
from sapphire.data.loaders.generic import CsvLoader, ParquetLoader
from sapphire.data.loaders.tardis import TardisL2Loader, TardisSnapshotLoader, TardisTradesLoader

#: Every loader by its registry name.
LOADERS: dict[str, type[Loader]] = {
    cls.name: cls
    for cls in (
        CsvLoader, ParquetLoader, BinanceTradesLoader, BinanceQuotesLoader, BinanceDepthLoader,
        BybitOrderbookLoader, TardisTradesLoader, TardisL2Loader, TardisSnapshotLoader,
        HistDataQuotesLoader, TrueFxQuotesLoader, BarCsvLoader, DatabentoLoader,
    )
}


def get_loader(name: str, **options: Any) -> Loader:
    """Return the loader registered as ``name``, built with ``options``.

    Raises
    ------
    ConfigError
        ``name`` is unknown (the message lists the known names) or an option is not
        one the loader takes.
    """
    try:
        cls = LOADERS[name]
    except KeyError:
        raise ConfigError(f"unknown loader {name!r}: expected one of {sorted(LOADERS)}") from None
    try:
        return cls(**options)
    except TypeError as exc:
        raise ConfigError(f"loader {name!r}: invalid options {sorted(options)}: {exc}") from None


__all__ = [
    "LOADERS", "BarCsvLoader", "BinanceDepthLoader", "BinanceQuotesLoader", "BinanceTradesLoader",
    "BybitOrderbookLoader", "CsvLoader", "DatabentoLoader", "HistDataQuotesLoader", "Loader",
    "ParquetLoader", "TardisL2Loader", "TardisSnapshotLoader", "TardisTradesLoader",
    "TrueFxQuotesLoader", "get_loader",
]
