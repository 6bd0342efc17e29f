"""Stress tests: user-defined shocks, and replay of historical windows from the catalog.

Positions are market values in the account currency keyed by instrument id
(``"BTCUSDT.BINANCE"``). A position of value ``v`` hit by a return ``r`` loses or gains
``v r``: linear instruments, fully revalued.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from sapphire.core.enums import DataType
from sapphire.core.errors import RiskError
from sapphire.data.bar_type import BarType
from sapphire.data.catalog import Catalog


@dataclass(frozen=True, slots=True)
class StressResult:
    """P&L of one stress scenario.

    Attributes
    ----------
    name
        Scenario name.
    pnl
        Total P&L in currency (negative is a loss).
    by_instrument
        P&L per instrument id, in currency.
    """

    name: str
    pnl: float
    by_instrument: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ScenarioReplay:
    """A historical window replayed on today's positions.

    Attributes
    ----------
    name
        Scenario name.
    ts_event
        int64 UTC ns of the bars common to every instrument in the window (close times).
    pnl_path
        Cumulative P&L in currency at each ``ts_event``, starting at 0 on the first bar.
    result
        P&L from the first to the last common bar, total and per instrument.
    """

    name: str
    ts_event: np.ndarray
    pnl_path: np.ndarray
    result: StressResult

    @property
    def worst_pnl(self) -> float:
        """Lowest cumulative P&L reached inside the window (currency; 0 if never negative)."""
        return float(min(0.0, self.pnl_path.min()))


def _check_positions(positions: Mapping[str, float]) -> dict[str, float]:
    checked = {str(k): float(v) for k, v in positions.items()}
    if not checked:
        raise RiskError("positions are empty: there is no portfolio to stress")
    for key, value in checked.items():
        if not math.isfinite(value):
            raise RiskError(f"position {key!r} is {value!r}; expected a finite currency value")
    if not any(checked.values()):
        raise RiskError("positions are all zero: there is no portfolio to stress")
    return checked


def apply_shocks(positions: Mapping[str, float], shocks: Mapping[str, float], *,
                 name: str = "user shocks") -> StressResult:
    """Return the P&L of ``positions`` when each instrument moves by its shock.

    Parameters
    ----------
    positions
        Market value per instrument id, in currency.
    shocks
        Fractional price move per instrument id (``-0.2`` is a 20 % fall). Instruments held
        but not shocked do not move.

    Raises
    ------
    RiskError
        If a shock names an instrument that is not held (likely a typo), a shock is below
        -100 % or not finite, or positions are empty or all zero.
    """
    held = _check_positions(positions)
    unknown = sorted(set(map(str, shocks)) - set(held))
    if unknown:
        raise RiskError(f"shocks name instruments not in positions: {unknown}; held: "
                        f"{sorted(held)}")
    by_instrument = {}
    for key, value in held.items():
        shock = float(shocks.get(key, 0.0))
        if not math.isfinite(shock) or shock < -1.0:
            raise RiskError(f"shock for {key!r} is {shock!r}; expected a finite return >= -1 "
                            "(a price cannot fall below zero)")
        by_instrument[key] = value * shock
    return StressResult(name=name, pnl=math.fsum(by_instrument.values()),
                        by_instrument=by_instrument)


def replay_scenario(catalog: Catalog, positions: Mapping[str, float],
                    bar_types: Mapping[str, BarType | str], start: int, end: int, *,
                    name: str | None = None) -> ScenarioReplay:
    """Apply the price moves of a past window to today's positions.

    For each held instrument the bars of ``bar_types[instrument]`` with
    ``start <= ts_event < end`` are read with ``catalog.query("bars", ...)``; only the
    timestamps present for every instrument are kept, and each instrument's return from
    the first kept close is applied to its position: ``v (close_t / close_0 - 1)``.

    Parameters
    ----------
    catalog
        Catalog holding the bars.
    positions
        Market value per instrument id, in currency.
    bar_types
        Bar type (or its text) to read for each held instrument.
    start, end
        Window in int64 UTC ns, end excluded.
    name
        Scenario name (defaults to the window).

    Raises
    ------
    RiskError
        If an instrument has no bar type or fewer than two bars in the window, the
        instruments share fewer than two timestamps, or a close is not positive.
    """
    held = _check_positions(positions)
    if end <= start:
        raise RiskError(f"scenario window is empty: start {start} >= end {end} (ns)")
    missing = sorted(set(held) - set(map(str, bar_types)))
    if missing:
        raise RiskError(f"no bar type given for held instruments {missing}")
    series = {key: _closes(catalog, bar_types[key], key, start, end) for key in held}
    common = _common_timestamps(series, start, end)
    path = np.zeros(common.size)
    by_instrument = {}
    for key, (ts, close) in series.items():
        aligned = close[np.searchsorted(ts, common)]
        growth = aligned / aligned[0] - 1.0
        path += held[key] * growth
        by_instrument[key] = held[key] * float(growth[-1])
    label = name or f"replay {start}..{end}"
    result = StressResult(name=label, pnl=math.fsum(by_instrument.values()),
                          by_instrument=by_instrument)
    return ScenarioReplay(name=label, ts_event=common, pnl_path=path, result=result)


def _closes(catalog: Catalog, bar_type: BarType | str, key: str, start: int,
            end: int) -> tuple[np.ndarray, np.ndarray]:
    kind = BarType.parse(bar_type) if isinstance(bar_type, str) else bar_type
    if str(kind.instrument_id) != key:
        raise RiskError(f"bar type {kind} is for {kind.instrument_id}, not for position {key!r}")
    table = catalog.query(DataType.BARS, kind, start, end, columns=["ts_event", "close"])
    ts = table.column("ts_event").to_numpy()
    # Prices are integer ticks (half-ticks for mid bars); returns are ratios, so the
    # scale cancels and no instrument spec is needed.
    close = table.column("close").to_numpy().astype(np.float64)
    if ts.size < 2:
        raise RiskError(f"{kind} has {ts.size} bar(s) in [{start}, {end}) ns; a replay needs "
                        "at least 2")
    if np.any(close <= 0.0):
        i = int(np.argmax(close <= 0.0))
        raise RiskError(f"{kind} close at ts_event {int(ts[i])} is {int(close[i])}; expected a "
                        "positive price")
    return ts, close


def _common_timestamps(series: Mapping[str, tuple[np.ndarray, np.ndarray]], start: int,
                       end: int) -> np.ndarray:
    common: np.ndarray | None = None
    for ts, _ in series.values():
        common = ts if common is None else np.intersect1d(common, ts, assume_unique=True)
    if common is None or common.size < 2:
        raise RiskError(f"the instruments share {0 if common is None else common.size} bar "
                        f"timestamp(s) in [{start}, {end}) ns; a replay needs at least 2")
    return common
