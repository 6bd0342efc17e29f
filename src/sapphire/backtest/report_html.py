"""A self-contained interactive HTML report of a backtest run.

One file that opens offline (the plotly.js library is inlined, about 4.6 MB): an
equity curve, the drawdown under it, a price panel per instrument with buy and
sell markers at the fills, then tables of the statistics, the round-trip trades
and the first fills, and the run's id, strategy, fills hash and config.

Long lines are thinned for the browser: a series longer than ``max_points`` keeps
the lowest and highest sample of each of ``max_points / 2`` equal-count buckets
(and its first and last), so peaks and troughs stay visible. Fill markers are
never thinned. Statistics are always computed on the full data, never on the chart's.
"""

from __future__ import annotations

import html
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sapphire.backtest.formatting import format_duration, format_statistic, statistic_label
from sapphire.backtest.results import BacktestResult
from sapphire.backtest.round_trips import round_trips
from sapphire.backtest.statistics import drawdown
from sapphire.core.errors import ConfigError, ResultsError
from sapphire.core.time import ns_to_iso

log = logging.getLogger(__name__)

_BUY_COLOUR = "#1a9850"
_SELL_COLOUR = "#d73027"
_FILL_HOVER = ("%{customdata[0]:g} @ %{y:g}, fee %{customdata[1]:g}, "
               "pnl %{customdata[2]:g}<extra>%{fullData.name}</extra>")
_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
table { border-collapse: collapse; font-size: 0.85rem; }
td, th { border: 1px solid #ddd; padding: 0.2rem 0.6rem; text-align: right; }
th { background: #f4f4f4; } td:first-child { text-align: left; }
.meta td { text-align: left; } .errors { color: #b00; }
pre { background: #f7f7f7; padding: 0.8rem; overflow-x: auto; }
"""


def html_report(result: BacktestResult, *, max_fill_rows: int = 500,
                max_points: int = 20_000) -> str:
    """Return the report of ``result`` as one HTML document (see the module docstring).

    Parameters
    ----------
    result
        The run.
    max_fill_rows
        Fills (and round trips) listed in the tables; the charts show every fill.
    max_points
        Most points drawn per line (equity, drawdown, each price path); >= 4.
    """
    _check_positive(max_fill_rows, "max_fill_rows", 0)
    _check_positive(max_points, "max_points", 4)
    figure = _figure(result, max_points)
    plot = figure.to_html(full_html=False, include_plotlyjs=True,
                          config={"responsive": True, "displaylogo": False})
    trips = round_trips(result.fills)
    title = f"Backtest {result.run_id}"
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>", _meta_table(result), _errors(result), plot,
        "<h2>Statistics</h2>", _statistics_table(result),
        _table_section("Trades (round trips)", _trip_rows(trips.slice(0, max_fill_rows)),
                       trips.num_rows, ["instrument", "direction", "opened", "closed",
                                        "max quantity", "realized pnl", "fees", "net pnl"]),
        _table_section("Fills", _fill_rows(result.fills.slice(0, max_fill_rows)),
                       result.fills.num_rows,
                       ["time", "order", "instrument", "side", "quantity", "price", "notional",
                        "fee", "liquidity", "realized pnl", "position after"]),
        "<h2>Config</h2>", f"<pre>{_e(json.dumps(result.config, indent=2, sort_keys=True))}</pre>",
        "</body></html>",
    ]
    return "\n".join(parts)


def write_html_report(result: BacktestResult, path: str | Path, **options: Any) -> Path:
    """Write :func:`html_report` of ``result`` to ``path`` and return it.

    ``options`` go to :func:`html_report`. Parent folders are created.

    Raises
    ------
    ResultsError
        The file cannot be written.
    """
    path = Path(path)
    text = html_report(result, **options)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ResultsError(f"cannot write the report to {path}: {exc}") from exc
    log.info("wrote backtest report %s (%d bytes)", path, len(text))
    return path


def _figure(result: BacktestResult, max_points: int) -> Any:
    from plotly.subplots import make_subplots  # plotly is slow to import: only for reports

    instruments = list(dict.fromkeys([
        *result.prices, *result.fills.column("instrument_id").to_pylist()]))
    rows = 2 + 2 * len(instruments)
    share = 0.5 / max(len(instruments), 1)
    heights = [0.35, 0.15] + [0.7 * share, 0.3 * share] * len(instruments)
    titles = [title for i in instruments for title in (f"{i} price", f"{i} inventory")]
    figure = make_subplots(
        rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.03, row_heights=heights,
        subplot_titles=["Equity", "Drawdown", *titles])
    ts = result.equity.column("ts").to_numpy()
    equity = result.equity.column("equity").to_numpy()
    x, y = _thin(ts, equity, max_points)
    figure.add_scatter(x=_times(x), y=y, name="Equity", mode="lines", row=1, col=1,
                       line={"color": "#2166ac"})
    x, y = _thin(ts, -100.0 * drawdown(equity), max_points)
    figure.add_scatter(x=_times(x), y=y, name="Drawdown", mode="lines", fill="tozeroy",
                       row=2, col=1, line={"color": _SELL_COLOUR})
    for k, instrument in enumerate(instruments):
        _add_instrument(figure, result, instrument, 3 + 2 * k, max_points)
        _add_inventory(figure, result, instrument, 4 + 2 * k)
    figure.update_yaxes(title_text=result.base_currency, row=1, col=1)
    figure.update_yaxes(title_text="%", row=2, col=1)
    figure.update_layout(height=320 * rows, hovermode="x unified", template="plotly_white",
                         title_text=f"{result.strategy}  ·  {result.run_id}")
    return figure


def _add_instrument(figure: Any, result: BacktestResult, instrument: str, row: int,
                    max_points: int) -> None:
    prices = result.prices.get(instrument)
    if prices is not None:
        x, y = _thin(prices.column("ts").to_numpy(), prices.column("price").to_numpy(),
                     max_points)
        figure.add_scatter(x=_times(x), y=y, name=f"{instrument} price", mode="lines",
                           row=row, col=1, line={"color": "#555", "width": 1})
    fills = result.fills.filter(pc.equal(result.fills.column("instrument_id"),
                                                 instrument))
    side = fills.column("side").to_numpy()
    for wanted, label, symbol, colour in ((1, "buys", "triangle-up", _BUY_COLOUR),
                                          (-1, "sells", "triangle-down", _SELL_COLOUR)):
        chosen = fills.filter(pa.array(side == wanted))
        # Numeric customdata, not per-fill text: plotly validates a list of strings one by
        # one (seconds for 100k fills) but passes arrays through.
        details = np.column_stack([chosen.column(c).to_numpy()
                                   for c in ("quantity", "fee", "realized_pnl")])
        figure.add_scatter(
            x=_times(chosen.column("ts_event").to_numpy()), y=chosen.column("price").to_numpy(),
            name=f"{instrument} {label}", mode="markers", row=row, col=1, customdata=details,
            hovertemplate=_FILL_HOVER, marker={"symbol": symbol, "color": colour, "size": 9})


def _add_inventory(figure: Any, result: BacktestResult, instrument: str, row: int) -> None:
    """The position after each fill, held until the next (a step line from zero)."""
    fills = result.fills.filter(pc.equal(result.fills.column("instrument_id"), instrument))
    ts = np.concatenate([[result.start_ns], fills.column("ts_event").to_numpy(),
                         [result.end_ns]])
    held = fills.column("position_after").to_numpy()
    position = np.concatenate([[0.0], held, held[-1:] if len(held) else [0.0]])
    figure.add_scatter(x=_times(ts), y=position, name=f"{instrument} inventory", mode="lines",
                       line={"shape": "hv", "color": "#762a83"}, row=row, col=1)


def _thin(ts: np.ndarray, values: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """Keep each bucket's lowest and highest sample when a series is too long to draw."""
    n = len(ts)
    if n <= max_points:
        return ts, values
    edges = np.linspace(0, n, max_points // 2 + 1).astype(np.int64)
    starts = edges[:-1]
    low = np.array([s + np.argmin(values[s:e]) for s, e in zip(starts, edges[1:], strict=True)])
    high = np.array([s + np.argmax(values[s:e]) for s, e in zip(starts, edges[1:], strict=True)])
    keep = np.unique(np.concatenate(([0, n - 1], low, high)))
    return ts[keep], values[keep]


def _times(ts: np.ndarray) -> np.ndarray:
    return np.asarray(ts, dtype=np.int64).astype("datetime64[ns]")


def _meta_table(result: BacktestResult) -> str:
    rows = [
        ("Run id", result.run_id), ("Strategy", result.strategy),
        ("Span", f"{ns_to_iso(result.start_ns)} to {ns_to_iso(result.end_ns)} "
                 f"({format_duration(result.end_ns - result.start_ns)})"),
        ("Base currency", result.base_currency),
        ("Starting equity", f"{result.starting_equity:,.2f}"),
        ("Fills hash (SHA-256)", result.fills_hash),
    ]
    body = "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in rows)
    return f'<table class="meta">{body}</table>'


def _errors(result: BacktestResult) -> str:
    if not result.errors:
        return ""
    items = "".join(f"<li>{_e(e)}</li>" for e in result.errors)
    return (f'<div class="errors"><h2>Errors</h2><p>Results are valid up to the first error.'
            f"</p><ul>{items}</ul></div>")


def _statistics_table(result: BacktestResult) -> str:
    rows = "".join(
        f"<tr><td>{_e(statistic_label(name))}</td>"
        f"<td>{_e(format_statistic(name, value, result.base_currency))}</td></tr>"
        for name, value in result.statistics.items())
    return f"<table><tr><th>statistic</th><th>value</th></tr>{rows}</table>"


def _table_section(title: str, rows: list[list[str]], total: int, header: list[str]) -> str:
    note = f" (first {len(rows):,} of {total:,})" if total > len(rows) else f" ({total:,})"
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<h2>{_e(title)}{note}</h2><table><tr>{head}</tr>{body}</table>"


def _fill_rows(fills: pa.Table) -> list[list[str]]:
    columns = [fills.column(c).to_pylist() for c in fills.column_names]
    return [[ns_to_iso(ts), order, inst, "buy" if side > 0 else "sell", f"{qty:g}", f"{px:g}",
             f"{notional:,.2f}", f"{fee:,.4f}", liquidity, f"{pnl:,.2f}", f"{after:g}"]
            for ts, order, inst, side, qty, px, notional, fee, liquidity, pnl, after
            in zip(*columns, strict=True)]


def _trip_rows(trips: pa.Table) -> list[list[str]]:
    rows = []
    for trip in trips.to_pylist():
        closed = ns_to_iso(trip["ts_close"]) if trip["closed"] else "open"
        rows.append([trip["instrument_id"], "long" if trip["direction"] > 0 else "short",
                     ns_to_iso(trip["ts_open"]), closed, f"{trip['max_quantity']:g}",
                     f"{trip['realized_pnl']:,.2f}", f"{trip['fees']:,.4f}",
                     f"{trip['net_pnl']:,.2f}"])
    return rows


def _check_positive(value: object, name: str, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{name} must be an integer >= {minimum}, was {value!r}")


def _e(text: object) -> str:
    return html.escape(str(text))
