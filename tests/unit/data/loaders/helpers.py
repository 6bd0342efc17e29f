"""Instruments and small file writers shared by the loader tests."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from sapphire.data.validation import STRICT, OrderPolicy
from sapphire.model.instruments import Future, FxPair, Instrument, Perpetual, SpotPair

EURUSD = FxPair(id="EURUSD.SIM", quote_currency="USD", base_currency="EUR",
                price_increment=Decimal("0.00001"), size_increment=Decimal("1"))
BTCUSDT = SpotPair(id="BTCUSDT.BINANCE", quote_currency="USDT", base_currency="BTC",
                   price_increment=Decimal("0.01"), size_increment=Decimal("0.001"))
XBTUSD = Perpetual(id="XBTUSD.BITMEX", quote_currency="USD", base_currency="XBT",
                   settlement_currency="XBT", price_increment=Decimal("0.5"),
                   size_increment=Decimal("1"), is_inverse=True)
ESH4 = Future(id="ESH4.GLBX", quote_currency="USD", underlying="ES", settlement_currency="USD",
              price_increment=Decimal("0.25"), size_increment=Decimal("1"),
              multiplier=Decimal("50"), expiry_ns=1_710_513_000_000_000_000)

#: 2024-01-01T00:00:00Z in nanoseconds
T0 = 1_704_067_200_000_000_000


def write(tmp_path: Path, name: str, text: str) -> Path:
    """Write ``text`` (dedented lines) to ``tmp_path / name``."""
    path = tmp_path / name
    path.write_text("\n".join(line.strip() for line in text.strip().splitlines()) + "\n")
    return path


def read_all(loader, path: Path, instrument: Instrument, *, policy: OrderPolicy = STRICT,
             chunk_rows: int = 1_000_000) -> pa.Table:
    """Read every chunk and concatenate them."""
    tables = list(loader.read(path, instrument, policy=policy, chunk_rows=chunk_rows))
    return pa.concat_tables(tables) if tables else loader_schema(loader).empty_table()


def loader_schema(loader) -> pa.Schema:
    from sapphire.data.schemas import schema_for

    return schema_for(loader.data_type)


def rows(table: pa.Table) -> list[tuple]:
    """Return the rows of ``table`` as tuples in column order."""
    columns = [table.column(name).to_pylist() for name in table.column_names]
    return list(zip(*columns, strict=True))
