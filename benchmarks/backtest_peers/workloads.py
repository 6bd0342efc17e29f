"""The backtest benchmark's workloads as numpy arrays, cached so every engine reads the same bytes.

Keys
----
``"1"``
    1,000,000 BTCUSDT.BINANCE quotes (price increment 0.01, size increment 0.00001) from the
    synthetic market (profile ``btcusdt`` without trades, seed :data:`SEED`); the engine
    aggregates them into 1-second MID bars (``[t, t + 1 s)``, no bar for an empty second)
    and the EMA cross trades on the bars.
``"2"``
    The 45,031 real BTC perpetual 1-minute bars of ``btc-perp-20211231-20220201_1m.csv``
    (price increment 0.001 and size increment 0.000001, the finest steps in the file),
    fed as bars to the EMA cross.
``"2x"``
    The same bars tiled to 1,000,000 (each copy's timestamps continue the series; prices
    repeat).
``"3"``
    The quotes of workload 1, each delivered to a Python strategy (the quote rule).

Arrays
------
Quotes: ``ts`` (int64 UTC ns), ``bid``, ``ask`` (int64 ticks), ``bid_size``, ``ask_size``
(int64 lots). Bars: ``ts`` (int64 UTC ns of the bar's CLOSE, i.e. open + 60 s, when the bar
is complete and may be delivered), ``open``, ``high``, ``low``, ``close`` (int64 ticks),
``volume`` (int64 lots).

The reference functions at the bottom are plain loops that give the number of orders a
correct engine makes; the benchmark prints them beside each engine's count.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from backtest_peers import FAST_PERIOD, QUOTE_RULE_TICKS, SLOW_PERIOD, TRADE_SIZE

if TYPE_CHECKING:
    from sapphire.model.instruments import Instrument

CACHE = Path(__file__).resolve().parent.parent / ".cache"
REAL_BARS = (Path(__file__).resolve().parents[3] / "shared" / "data" / "real" / "bars"
             / "btc-perp-20211231-20220201_1m.csv")
#: Seed of the synthetic quotes.
SEED = 7
N_QUOTES = 1_000_000
N_TILED_BARS = 1_000_000
BAR_MINUTE_NS = 60_000_000_000
SECOND_NS = 1_000_000_000
#: Bump when the arrays change, so stale caches are not read.
CACHE_VERSION = 1

QUOTE_FIELDS = ("ts", "bid", "ask", "bid_size", "ask_size")
BAR_FIELDS = ("ts", "open", "high", "low", "close", "volume")


@dataclass(frozen=True, slots=True)
class InstrumentSpec:
    """The traded instrument, in plain values every engine can build its own from."""

    symbol: str
    venue: str
    base: str
    quote: str
    price_increment: str
    size_increment: str
    perpetual: bool

    @property
    def id(self) -> str:
        """``SYMBOL.VENUE``."""
        return f"{self.symbol}.{self.venue}"

    @property
    def price_precision(self) -> int:
        """Decimals of a price."""
        return -int(Decimal(self.price_increment).as_tuple().exponent)

    @property
    def size_precision(self) -> int:
        """Decimals of a size."""
        return -int(Decimal(self.size_increment).as_tuple().exponent)

    def sapphire_instrument(self) -> Instrument:
        """Return the matching Sapphire instrument (a ``Perpetual`` or a ``SpotPair``)."""
        from sapphire.core.identifiers import InstrumentId
        from sapphire.model.instruments import Perpetual, SpotPair

        instrument_id = InstrumentId(self.symbol, self.venue)
        price, size = Decimal(self.price_increment), Decimal(self.size_increment)
        if self.perpetual:
            return Perpetual(id=instrument_id, base_currency=self.base, quote_currency=self.quote,
                             settlement_currency=self.quote, price_increment=price,
                             size_increment=size)
        return SpotPair(id=instrument_id, base_currency=self.base, quote_currency=self.quote,
                        price_increment=price, size_increment=size)


SPOT_BTC = InstrumentSpec("BTCUSDT", "BINANCE", "BTC", "USDT", "0.01", "0.00001", perpetual=False)
PERP_BTC = InstrumentSpec("BTCUSDT-PERP", "BINANCE", "BTC", "USDT", "0.001", "0.000001",
                          perpetual=True)


@dataclass(frozen=True, slots=True)
class Workload:
    """One workload: its key, what it is, the instrument and the arrays.

    ``units`` counts what throughput is measured in (``unit`` is "quotes" or "bars");
    ``bar_step_ns`` is the bar length: aggregated by the engine for ``"1"``, given for
    ``"2"`` and ``"2x"``, and 0 for ``"3"``.
    """

    key: str
    title: str
    kind: str
    instrument: InstrumentSpec
    arrays: dict[str, np.ndarray]
    bar_step_ns: int

    @property
    def units(self) -> int:
        """Number of quotes or bars."""
        return int(self.arrays["ts"].size)

    @property
    def unit(self) -> str:
        """``"quotes"`` or ``"bars"``."""
        return self.kind

    def prices(self, name: str) -> np.ndarray:
        """Return a tick column as float64 prices (``ticks / 10**precision``, correctly rounded)."""
        return self.arrays[name] / 10.0 ** self.instrument.price_precision

    def sizes(self, name: str) -> np.ndarray:
        """Return a lot column as float64 sizes."""
        return self.arrays[name] / 10.0 ** self.instrument.size_precision


KEYS = ("1", "2", "2x", "3")
TITLES = {
    "1": "1,000,000 quotes -> 1-second mid bars, EMA(10)/EMA(20) cross",
    "2": "45,031 real BTC 1-minute bars, EMA(10)/EMA(20) cross",
    "2x": "real BTC 1-minute bars tiled to 1,000,000, EMA(10)/EMA(20) cross",
    "3": "1,000,000 quotes each to a Python strategy (quote rule)",
}


def load(key: str) -> Workload:
    """Return workload ``key`` from the cache, building the cache first if needed."""
    if key not in KEYS:
        raise ValueError(f"unknown workload {key!r}: expected one of {list(KEYS)}")
    if key in ("1", "3"):
        arrays = _cached(f"quotes-{N_QUOTES}-seed{SEED}", synthetic_quotes)
        return Workload(key, TITLES[key], "quotes", SPOT_BTC, arrays,
                        SECOND_NS if key == "1" else 0)
    bars = _cached("btc-perp-1m", real_bars)
    if key == "2x":
        bars = _cached(f"btc-perp-1m-tiled-{N_TILED_BARS}", lambda: tile_bars(bars, N_TILED_BARS))
    return Workload(key, TITLES[key], "bars", PERP_BTC, bars, BAR_MINUTE_NS)


def _cached(name: str, build: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    path = CACHE / f"{name}-v{CACHE_VERSION}.npz"
    if not path.exists():
        CACHE.mkdir(exist_ok=True)
        arrays = build()
        partial = path.with_suffix(".tmp.npz")
        np.savez(partial, **arrays)  # type: ignore[arg-type]  # stub reads ** as allow_pickle
        partial.replace(path)
    with np.load(path) as stored:
        return {name: stored[name] for name in stored.files}


def synthetic_quotes(n: int = N_QUOTES, seed: int = SEED) -> dict[str, np.ndarray]:
    """Return ``n`` synthetic BTCUSDT quotes (profile ``btcusdt`` with trades switched off)."""
    from sapphire.data.calibration import get_profile
    from sapphire.data.synthetic import SyntheticMarket

    profile = dataclasses.replace(get_profile("btcusdt"), trade_rate=0.0)
    instrument = SPOT_BTC.sapphire_instrument()
    table = SyntheticMarket([(instrument, profile)], seed=seed).generate(n, l2=False)
    quotes = table.quotes[instrument.id]
    columns = ("ts_event", "bid_price", "ask_price", "bid_size", "ask_size")
    return {field: quotes[column].to_numpy().astype(np.int64)
            for field, column in zip(QUOTE_FIELDS, columns, strict=True)}


def real_bars(path: Path = REAL_BARS) -> dict[str, np.ndarray]:
    """Return the real BTC 1-minute bars on the :data:`PERP_BTC` grid, stamped at bar close."""
    import pyarrow.csv as pacsv

    if not path.exists():
        raise FileNotFoundError(f"real bars not found at {path}: workload 2 needs "
                                "../shared/data/real beside the repository")
    table = pacsv.read_csv(path)
    opened = table["timestamp"].to_numpy().astype("datetime64[ns]").astype(np.int64)
    arrays = {"ts": opened + BAR_MINUTE_NS}
    for name in ("open", "high", "low", "close"):
        arrays[name] = _on_grid(table[name].to_numpy(), PERP_BTC.price_precision, name)
    # Volumes carry float noise in the file (218102.59507500002): round to the lot.
    arrays["volume"] = np.rint(table["volume"].to_numpy() * 10**PERP_BTC.size_precision
                               ).astype(np.int64)
    return arrays


def _on_grid(values: np.ndarray, decimals: int, name: str) -> np.ndarray:
    scaled = values * 10**decimals
    ticks = np.rint(scaled)
    if np.abs(scaled - ticks).max() > 1e-6:
        raise ValueError(f"column {name!r} is not on a {10.0**-decimals} grid")
    return ticks.astype(np.int64)


def tile_bars(bars: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    """Repeat ``bars`` until there are ``n``; each copy's times continue after the last bar."""
    size = bars["ts"].size
    copies = math.ceil(n / size)
    span = int(bars["ts"][-1] - bars["ts"][0]) + BAR_MINUTE_NS
    tiled = {name: np.tile(column, copies)[:n] for name, column in bars.items()}
    tiled["ts"] = tiled["ts"] + np.repeat(np.arange(copies, dtype=np.int64) * span, size)[:n]
    return tiled


# --- references: plain loops giving what a correct engine does --------------------------


def mid_bar_closes(ts: np.ndarray, bid: np.ndarray, ask: np.ndarray, step_ns: int,
                   price_precision: int) -> np.ndarray:
    """Return the close (last mid) of each non-empty ``[k * step, (k + 1) * step)`` interval."""
    interval = ts // step_ns
    last = [*np.flatnonzero(np.diff(interval)).tolist(), ts.size - 1]
    half_ticks = bid[last] + ask[last]
    return half_ticks / (2 * 10.0**price_precision)


def ema_cross_orders(closes: Sequence[float]) -> tuple[int, int]:
    """Return (orders, final position) of the EMA cross of the package docstring on ``closes``."""
    fast_alpha = 2.0 / (FAST_PERIOD + 1)
    slow_alpha = 2.0 / (SLOW_PERIOD + 1)
    fast = slow = 0.0
    position = orders = 0
    for count, close in enumerate(closes, start=1):
        if count == 1:
            fast = slow = close
        else:
            fast = fast_alpha * close + (1.0 - fast_alpha) * fast
            slow = slow_alpha * close + (1.0 - slow_alpha) * slow
        if count < SLOW_PERIOD:
            continue
        if fast > slow and position <= 0:
            position, orders = TRADE_SIZE, orders + 1
        elif fast < slow and position >= 0:
            position, orders = -TRADE_SIZE, orders + 1
    return orders, position


def quote_rule_orders(bid: np.ndarray, ask: np.ndarray) -> tuple[int, int]:
    """Return (orders, final position) of the quote rule of the package docstring."""
    threshold = 2 * QUOTE_RULE_TICKS
    mids = (bid + ask).tolist()
    reference = mids[0]
    position = orders = 0
    for mid in mids:
        if mid - reference >= threshold:
            reference = mid
            if position == 0:
                position, orders = TRADE_SIZE, orders + 1
        elif reference - mid >= threshold:
            reference = mid
            if position > 0:
                position, orders = 0, orders + 1
    return orders, position


def reference_orders(workload: Workload) -> tuple[int, int]:
    """Return (orders, final position) that a correct engine makes on ``workload``."""
    a = workload.arrays
    if workload.key == "3":
        return quote_rule_orders(a["bid"], a["ask"])
    if workload.key == "1":
        closes = mid_bar_closes(a["ts"], a["bid"], a["ask"], workload.bar_step_ns,
                                workload.instrument.price_precision)
        return ema_cross_orders(closes.tolist())
    return ema_cross_orders(workload.prices("close").tolist())
