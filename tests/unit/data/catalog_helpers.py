"""Small builders shared by the catalog tests."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa

from sapphire.core.time import NS_PER_DAY
from sapphire.model.instruments import SpotPair

DAY = NS_PER_DAY
BTC = SpotPair(id="BTCUSDT.BINANCE", quote_currency="USDT", base_currency="BTC",
               price_increment="0.01", size_increment="0.001")


def quotes(ts: list[int], bid: list[int] | None = None) -> pa.Table:
    """Quotes at ``ts`` with bid ticks ``bid`` (default 100, 101, ...) and ask one tick above."""
    bid = bid if bid is not None else [100 + i for i in range(len(ts))]
    return pa.table({
        "ts_event": ts, "ts_init": ts, "bid_price": bid, "ask_price": [b + 1 for b in bid],
        "bid_size": [5] * len(ts), "ask_size": [7] * len(ts),
    })


def tree_digest(root: Path) -> dict[str, str]:
    """Map every file under ``root`` (except the write lock) to a hash of its content."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file() and p.name != "lock"
    }
