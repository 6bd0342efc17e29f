"""Parity: numba kernel == plain reference written here == incremental BarAggregator."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sapphire.core.enums import BarUnit, PriceType
from sapphire.core.time import NS_PER_DAY, NS_PER_HOUR, NS_PER_S
from sapphire.data.aggregation import aggregate_arrays
from sapphire.data.aggregator import BarAggregator
from sapphire.data.bar_type import BarSpec
from sapphire.model.instruments import Instrument, Perpetual

INSTRUMENT = Perpetual(id="ETHUSD.VENUE", quote_currency="USD", base_currency="ETH",
                       settlement_currency="USD", price_increment="0.05",
                       size_increment="0.01", multiplier="3")

STEPS = {BarUnit.SECOND: "7", BarUnit.MINUTE: "1", BarUnit.HOUR: "2", BarUnit.DAY: "1",
         BarUnit.TICK: "3", BarUnit.VOLUME: "0.555", BarUnit.VALUE: "12.34"}
GAPS = [0, 0, 1, 999, NS_PER_S // 3, NS_PER_S, 61 * NS_PER_S, 3 * NS_PER_HOUR, NS_PER_DAY + 5]
Rows = list[tuple[int, ...]]


@st.composite
def ticks(draw: st.DrawFn) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """Sorted times with equal stamps and gaps; bid, ask and their sizes (sizes may be 0)."""
    n = draw(st.integers(0, 40))
    start = draw(st.integers(-3 * NS_PER_DAY, 3 * NS_PER_DAY))
    gaps = draw(st.lists(st.sampled_from(GAPS), min_size=n, max_size=n))
    ts = start + np.cumsum(np.array(gaps, dtype=np.int64))
    column = st.lists(st.integers(1, 5000), min_size=n, max_size=n)
    sizes = st.lists(st.integers(0, 60), min_size=n, max_size=n)
    bid, spread = np.array(draw(column), np.int64), np.array(draw(column), np.int64) % 7
    return ts, [bid, bid + spread], [np.array(draw(sizes), np.int64) for _ in range(2)]


def reference_bars(ts: np.ndarray, price: np.ndarray, size: np.ndarray, spec: BarSpec,
                   instrument: Instrument) -> Rows:
    """Group ticks the plain way, then take OHLCV of each group."""
    groups: list[list[int]] = []
    stamps: list[int] = []
    if spec.unit.is_time:
        step = spec.step_ns
        for i, t in enumerate(ts.tolist()):
            end = (t // step + 1) * step
            if not stamps or stamps[-1] != end:
                groups.append([])
                stamps.append(end)
            groups[-1].append(i)
    else:
        scale = 2 if spec.price_type is PriceType.MID else 1
        unit_value = (Fraction(instrument.price_increment) * Fraction(instrument.size_increment)
                      * Fraction(instrument.multiplier) / scale)
        reached, current = Fraction(0), []
        for i in range(len(ts)):
            current.append(i)
            if spec.unit is BarUnit.TICK:
                reached += 1
            elif spec.unit is BarUnit.VOLUME:
                reached += int(size[i]) * Fraction(instrument.size_increment)
            else:
                reached += int(price[i]) * int(size[i]) * unit_value
            if reached >= Fraction(spec.step) or i == len(ts) - 1:
                groups.append(current)
                stamps.append(int(ts[i]))
                reached, current = Fraction(0), []
    return [(stamp, int(price[g[0]]), int(price[g].max()), int(price[g].min()), int(price[g[-1]]),
             int(size[g].sum())) for stamp, g in zip(stamps, groups, strict=True)]


def kernel_bars(ts: np.ndarray, prices: list[np.ndarray], sizes: list[np.ndarray],
                spec: BarSpec, instrument: Instrument) -> Rows:
    bars = aggregate_arrays(ts, prices, sizes, spec, instrument)
    return list(zip(*(column.tolist() for column in bars), strict=True))


def incremental_bars(ts: np.ndarray, prices: list[np.ndarray], sizes: list[np.ndarray],
                     spec: BarSpec, instrument: Instrument) -> Rows:
    """Replay ticks through a BarAggregator (prices: [price] or [bid, ask], sizes likewise)."""
    aggregator = BarAggregator(spec, instrument)
    bars = []
    columns = [ts, *prices, *sizes]
    for row in zip(*(c.tolist() for c in columns), strict=True):
        if spec.price_type is PriceType.LAST:
            bars += aggregator.update_trade(*row)
        else:
            bars += aggregator.update_quote(*row)
    bars += aggregator.flush()
    return [(b.ts_event, b.open, b.high, b.low, b.close, b.volume) for b in bars]


def side_arrays(price_type: PriceType, prices: list[np.ndarray],
                sizes: list[np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The arrays the kernel reads for ``price_type`` (trades use the bid side as trades)."""
    if price_type is PriceType.MID:
        return prices, sizes
    side = 1 if price_type is PriceType.ASK else 0
    return [prices[side]], [sizes[side]]


def check_parity(unit: BarUnit, price_type: PriceType, data) -> None:
    ts, prices, sizes = data
    spec = BarSpec.parse(f"{STEPS[unit]}-{unit.value}-{price_type.value}")
    kernel_prices, kernel_sizes = side_arrays(price_type, prices, sizes)
    expected = reference_bars(ts, sum(kernel_prices), sum(kernel_sizes), spec, INSTRUMENT)
    assert kernel_bars(ts, kernel_prices, kernel_sizes, spec, INSTRUMENT) == expected
    replay = (kernel_prices, kernel_sizes) if price_type is PriceType.LAST else (prices, sizes)
    assert incremental_bars(ts, *replay, spec, INSTRUMENT) == expected


@pytest.mark.parametrize("unit", list(BarUnit))
@settings(max_examples=40, deadline=None)
@given(price_type=st.sampled_from(list(PriceType)), data=ticks())
def test_kernel_reference_and_incremental_agree(unit: BarUnit, price_type: PriceType,
                                                data) -> None:
    check_parity(unit, price_type, data)


def test_every_unit_and_price_type_on_one_fixed_sample() -> None:
    rng = np.random.default_rng(7)
    n = 500
    ts = np.cumsum(rng.choice(np.array(GAPS, dtype=np.int64), n))
    bid = rng.integers(1, 5000, n)
    data = (ts, [bid, bid + rng.integers(0, 7, n)], [rng.integers(0, 60, n) for _ in range(2)])
    for unit in BarUnit:
        for price_type in PriceType:
            check_parity(unit, price_type, data)

