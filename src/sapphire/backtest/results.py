"""The result of a backtest run: its tables, statistics, id and fills hash; saving and loading.

A run is saved as a folder ``<folder>/<run_id>/`` (the engine uses
``<catalog>/backtests/``) holding ``run.json`` (id, strategy, config, times,
statistics, fills hash, errors) and one Parquet file per table (``fills``,
``orders``, ``positions``, ``equity``, and ``prices`` with an ``instrument_id``
column). A save is atomic (written to a hidden temporary folder, then renamed into
place) and never replaces a run that exists. A load checks the fills against the
hash in ``run.json``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import secrets
import shutil
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sapphire.backtest.statistics import StatisticsConfig, compute_statistics
from sapphire.backtest.tables import (
    EQUITY_SCHEMA,
    FILLS_SCHEMA,
    ORDERS_SCHEMA,
    POSITIONS_SCHEMA,
    PRICE_SCHEMA,
    TRADING_STATES_SCHEMA,
    check_equity,
    check_fills,
    check_prices,
    conform_table,
)
from sapphire.core.errors import ConfigError, ResultsError, SapphireError
from sapphire.core.time import NS_PER_S, from_ns, ns_to_iso

log = logging.getLogger(__name__)

RUN_FORMAT = "sapphire.backtest.run/1"
RUN_FILE = "run.json"
TRADING_STATES_FILE = "trading_states.parquet"
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")
# module:qualname; a qualname may be nested or local ("test_x.<locals>.Strategy").
_STRATEGY = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_<][\w.<>]*$")
_CURRENCY = re.compile(r"^[A-Za-z0-9]{1,16}$")
_TABLES = {"fills": FILLS_SCHEMA, "orders": ORDERS_SCHEMA, "positions": POSITIONS_SCHEMA,
           "equity": EQUITY_SCHEMA}
_RUN_KEYS = {"format", "run_id", "strategy", "config", "base_currency", "starting_equity",
             "start_ns", "end_ns", "start", "end", "statistics", "fills_hash", "errors",
             "rows", "price_instruments"}


def new_run_id(ts_ns: int) -> str:
    """Return a new run id: the UTC second of ``ts_ns`` and 8 random hex digits.

    For example ``"20261121T101530Z-3fa94c0e"``. Ids sort by time; two runs in the same
    second differ by their random part (a 1 in 4e9 clash is refused by :meth:`save`).
    """
    stamp = from_ns(int(ts_ns) - int(ts_ns) % NS_PER_S).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{secrets.token_hex(4)}"


def fills_hash(fills: pa.Table) -> str:
    """Return the SHA-256 (hex) of a canonical byte form of a fills table.

    The form: a version tag, the row count, then per column in
    :data:`~sapphire.backtest.tables.FILLS_SCHEMA` order its name and type, then its values:
    integers and floats as little-endian bytes (``-0.0`` written as ``0.0``, every NaN as
    one bit pattern), strings as little-endian uint64 lengths followed by their UTF-8
    bytes. It depends on the values and row order only, not on Arrow chunking, column
    order or the platform.
    """
    fills = check_fills(fills)
    digest = hashlib.sha256(b"sapphire.fills/1\n")
    digest.update(np.array([fills.num_rows], dtype="<u8").tobytes())
    for spec in FILLS_SCHEMA:
        digest.update(f"{spec.name}:{spec.type}\n".encode())
        column = fills.column(spec.name)
        if pa.types.is_string(spec.type):
            _hash_strings(digest, column)
        else:
            values = column.to_numpy()
            if values.dtype.kind == "f":
                values = np.where(np.isnan(values), np.nan, values) + 0.0  # -0.0 + 0.0 == 0.0
            digest.update(values.astype(values.dtype.newbyteorder("<")).tobytes())
    return digest.hexdigest()


def _hash_strings(digest: Any, column: pa.ChunkedArray) -> None:
    array = column.cast(pa.large_string()).combine_chunks()
    if len(array) == 0:
        return
    start = array.offset
    offsets = np.frombuffer(array.buffers()[1], dtype="<i8")[start:start + len(array) + 1]
    digest.update(np.diff(offsets).astype("<u8").tobytes())
    data = array.buffers()[2]
    if data is not None:
        digest.update(memoryview(data)[offsets[0]:offsets[-1]])


@dataclass(frozen=True, eq=False)
class BacktestResult:
    """Everything a backtest run produced. Tables are checked at construction.

    Parameters
    ----------
    run_id
        The run's id (:func:`new_run_id`); also its folder name.
    strategy
        The strategy as ``"module:Class"``.
    config
        The run's configuration including strategy parameters; must be JSON-able.
    base_currency
        Currency of every money column and of the equity curve.
    starting_equity
        Equity at the start, in ``base_currency`` (> 0).
    start_ns, end_ns
        The run's span, int64 ns UTC.
    fills, orders, positions, equity
        The run's tables (see :mod:`sapphire.backtest.tables`).
    prices
        Per instrument id, a down-sampled price path for charts (``ts``, ``price``).
    statistics
        Statistics by name (:func:`~sapphire.backtest.statistics.compute_statistics`).
    errors
        What went wrong during the run (for example a strategy that raised); results are
        valid up to the first error.
    trading_states
        The pre-trade risk engine's trading-state changes
        (:data:`~sapphire.backtest.tables.TRADING_STATES_SCHEMA`; empty when none). Saved
        as ``trading_states.parquet`` when there are any; a run without the file loads with
        none.
    """

    run_id: str
    strategy: str
    config: dict[str, Any]
    base_currency: str
    starting_equity: float
    start_ns: int
    end_ns: int
    fills: pa.Table
    orders: pa.Table
    positions: pa.Table
    equity: pa.Table
    prices: dict[str, pa.Table] = field(default_factory=dict)
    statistics: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    trading_states: pa.Table = field(default_factory=TRADING_STATES_SCHEMA.empty_table)

    def __post_init__(self) -> None:
        _check_text(self.run_id, _RUN_ID, "run_id", "letters, digits and _.- (at most 128)")
        _check_text(self.strategy, _STRATEGY, "strategy", "'module:Class'")
        _check_text(self.base_currency, _CURRENCY, "base_currency", "a currency code like 'USD'")
        _check_config(self.config)
        _check_number(self.starting_equity, "starting_equity")
        if not self.starting_equity > 0:
            raise ConfigError(f"starting_equity must be > 0, was {self.starting_equity!r}")
        for name in ("start_ns", "end_ns"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise ConfigError(f"{name} must be an integer of ns, was {value!r}")
        if self.end_ns < self.start_ns:
            raise ConfigError(f"end_ns {self.end_ns} is before start_ns {self.start_ns}")
        set_ = object.__setattr__  # frozen: store the tables in their canonical column order
        set_(self, "fills", check_fills(self.fills))
        set_(self, "orders", conform_table(_with_rule(self.orders), ORDERS_SCHEMA, "orders"))
        set_(self, "trading_states", conform_table(self.trading_states, TRADING_STATES_SCHEMA,
                                                   "trading_states"))
        set_(self, "positions", conform_table(self.positions, POSITIONS_SCHEMA, "positions"))
        set_(self, "equity", check_equity(self.equity))
        if not isinstance(self.prices, dict):
            raise ConfigError(
                f"prices must be a dict of instrument id to table, was {self.prices!r}"
            )
        set_(self, "prices", {str(k): check_prices(v, str(k)) for k, v in self.prices.items()})
        _check_statistics(self.statistics)
        if not isinstance(self.errors, list) or not all(isinstance(e, str) for e in self.errors):
            raise ConfigError(f"errors must be a list of str, was {self.errors!r}")

    @classmethod
    def from_run(cls, *, strategy: str, config: dict[str, Any], base_currency: str,
                 starting_equity: float, start_ns: int, end_ns: int, fills: pa.Table,
                 orders: pa.Table, positions: pa.Table, equity: pa.Table,
                 prices: dict[str, pa.Table] | None = None, errors: list[str] | None = None,
                 run_id: str | None = None, created_ns: int | None = None,
                 statistics_config: StatisticsConfig | None = None) -> BacktestResult:
        """Build a result and compute its statistics (the engine's entry point).

        ``run_id`` defaults to :func:`new_run_id` of ``created_ns`` (default: now).
        """
        if run_id is None:
            import time

            run_id = new_run_id(time.time_ns() if created_ns is None else created_ns)
        stats = compute_statistics(equity, fills, start_ns=start_ns, end_ns=end_ns,
                                   config=statistics_config)
        return cls(run_id=run_id, strategy=strategy, config=config, base_currency=base_currency,
                   starting_equity=starting_equity, start_ns=start_ns, end_ns=end_ns,
                   fills=fills, orders=orders, positions=positions, equity=equity,
                   prices=dict(prices or {}), statistics=stats, errors=list(errors or []))

    @cached_property
    def fills_hash(self) -> str:
        """SHA-256 of the fills (:func:`fills_hash`)."""
        return fills_hash(self.fills)

    def save(self, folder: str | Path) -> Path:
        """Write the run to ``<folder>/<run_id>/`` atomically and return that path.

        Raises
        ------
        ResultsError
            The run folder exists already, or the files cannot be written.
        """
        folder = Path(folder)
        target = folder / self.run_id
        if target.exists():
            raise ResultsError(f"run folder {target} exists already: a saved run is never replaced")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ResultsError(f"cannot create run folder {folder}: {exc}") from exc
        staging = folder / f".tmp-{self.run_id}-{secrets.token_hex(4)}"
        try:
            staging.mkdir()
            self._write(staging)
            # rename() replaces only an empty directory, so an existing run is never lost.
            os.rename(staging, target)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            if target.exists():
                raise ResultsError(
                    f"run folder {target} exists already: a saved run is never replaced"
                ) from exc
            raise ResultsError(f"cannot save run {self.run_id} to {folder}: {exc}") from exc
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _fsync_dir(folder)
        log.info("saved backtest run %s to %s", self.run_id, target)
        return target

    def _write(self, staging: Path) -> None:
        for name in _TABLES:
            _write_parquet(getattr(self, name), staging / f"{name}.parquet")
        _write_parquet(_stack_prices(self.prices), staging / "prices.parquet")
        if self.trading_states.num_rows:  # a run without risk events keeps its old files
            _write_parquet(self.trading_states, staging / TRADING_STATES_FILE)
        text = json.dumps(self._manifest(), indent=2, allow_nan=False)
        with open(staging / RUN_FILE, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        _fsync_dir(staging)

    def _manifest(self) -> dict[str, Any]:
        return {
            "format": RUN_FORMAT,
            "run_id": self.run_id,
            "strategy": self.strategy,
            "config": self.config,
            "base_currency": self.base_currency,
            "starting_equity": self.starting_equity,
            "start_ns": int(self.start_ns),
            "end_ns": int(self.end_ns),
            "start": ns_to_iso(self.start_ns),
            "end": ns_to_iso(self.end_ns),
            "statistics": {k: _encode_float(v) for k, v in self.statistics.items()},
            "fills_hash": self.fills_hash,
            "errors": self.errors,
            "rows": {name: getattr(self, name).num_rows for name in _TABLES},
            "price_instruments": list(self.prices),
        }

    @classmethod
    def load(cls, path: str | Path, run_id: str | None = None) -> BacktestResult:
        """Read a saved run from its folder (or from ``path / run_id``).

        Raises
        ------
        ResultsError
            The folder or a file is missing or corrupt, or the fills do not match the
            hash recorded in ``run.json``.
        """
        folder = Path(path) if run_id is None else Path(path) / run_id
        manifest = _read_manifest(folder)
        try:
            tables = {name: pq.read_table(folder / f"{name}.parquet") for name in _TABLES}
            stacked = pq.read_table(folder / "prices.parquet")
            states = (pq.read_table(folder / TRADING_STATES_FILE)
                      if (folder / TRADING_STATES_FILE).exists()
                      else TRADING_STATES_SCHEMA.empty_table())
        except (OSError, pa.ArrowException) as exc:
            raise ResultsError(f"run {folder}: cannot read its tables: {exc}") from exc
        try:
            result = cls(
                run_id=manifest["run_id"], strategy=manifest["strategy"],
                config=manifest["config"], base_currency=manifest["base_currency"],
                starting_equity=manifest["starting_equity"], start_ns=manifest["start_ns"],
                end_ns=manifest["end_ns"], **tables,
                prices=_unstack_prices(stacked, manifest["price_instruments"]),
                statistics={k: _decode_float(v) for k, v in manifest["statistics"].items()},
                errors=manifest["errors"], trading_states=states,
            )
        except (SapphireError, KeyError, TypeError, AttributeError) as exc:
            raise ResultsError(f"run {folder}: invalid content: {exc}") from exc
        if result.fills_hash != manifest["fills_hash"]:
            raise ResultsError(
                f"run {folder}: fills hash {result.fills_hash} does not match "
                f"{manifest['fills_hash']} recorded in {RUN_FILE}: the fills were changed"
            )
        return result


@dataclass(frozen=True)
class RunInfo:
    """A saved run as listed by :func:`list_runs` (read from its ``run.json`` only)."""

    run_id: str
    path: Path
    strategy: str
    start_ns: int
    end_ns: int
    fills_hash: str
    statistics: dict[str, float]
    errors: int


def list_runs(folder: str | Path) -> list[RunInfo]:
    """List the runs saved in ``folder``, sorted by run id (so by time); [] if it is absent.

    Hidden folders (unfinished saves) are skipped.

    Raises
    ------
    ResultsError
        A run folder has no readable ``run.json``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    runs = []
    for path in sorted(folder.iterdir()):
        if not path.is_dir() or path.name.startswith("."):
            continue
        manifest = _read_manifest(path)
        runs.append(RunInfo(
            run_id=manifest["run_id"], path=path, strategy=manifest["strategy"],
            start_ns=manifest["start_ns"], end_ns=manifest["end_ns"],
            fills_hash=manifest["fills_hash"],
            statistics={k: _decode_float(v) for k, v in manifest["statistics"].items()},
            errors=len(manifest["errors"]),
        ))
    return runs


def _read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / RUN_FILE
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ResultsError(f"{path} does not exist: expected a saved backtest run") from exc
    except (OSError, ValueError) as exc:
        raise ResultsError(f"{path} is not readable JSON: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != RUN_FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else manifest
        raise ResultsError(f"{path}: format {found!r}, expected {RUN_FORMAT!r}")
    if set(manifest) != _RUN_KEYS:
        raise ResultsError(
            f"{path}: keys do not match; missing {sorted(_RUN_KEYS - set(manifest))}, "
            f"unexpected {sorted(set(manifest) - _RUN_KEYS)}"
        )
    if manifest["run_id"] != folder.name:
        raise ResultsError(f"{path}: run_id {manifest['run_id']!r} differs from its folder name")
    return manifest


def _with_rule(orders: pa.Table) -> pa.Table:
    """An orders table from before the ``rule`` column, given an empty one."""
    if isinstance(orders, pa.Table) and "rule" not in orders.column_names:
        return orders.append_column("rule", pa.array([""] * orders.num_rows, pa.string()))
    return orders


def _stack_prices(prices: dict[str, pa.Table]) -> pa.Table:
    schema = pa.schema([("instrument_id", pa.string()), *PRICE_SCHEMA])
    parts = [t.add_column(0, "instrument_id", pa.array([k] * t.num_rows, pa.string()))
             for k, t in prices.items()]
    return pa.concat_tables(parts) if parts else schema.empty_table()


def _unstack_prices(stacked: pa.Table, instruments: list[str]) -> dict[str, pa.Table]:
    ids = stacked.column("instrument_id").to_numpy(zero_copy_only=False)
    rest = stacked.drop_columns(["instrument_id"])
    return {k: rest.filter(pa.array(ids == k)) for k in instruments}


def _write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, compression="zstd")
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _encode_float(value: float) -> float | str:
    """Non-finite floats as text, so run.json stays strict JSON."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def _decode_float(value: float | str) -> float:
    if isinstance(value, str):
        if value not in ("NaN", "Infinity", "-Infinity"):
            raise ResultsError(f"statistic value {value!r}: expected a number, NaN or +-Infinity")
        return float(value.lower().replace("infinity", "inf"))
    return float(value)


def _check_text(value: object, pattern: re.Pattern[str], name: str, expected: str) -> None:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ConfigError(f"invalid {name} {value!r}: expected {expected}")


def _check_number(value: object, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number, was {value!r}")


def _check_config(config: object) -> None:
    if not isinstance(config, dict):
        raise ConfigError(f"config must be a dict, was {type(config).__name__}")
    try:
        json.dumps(config, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"config is not JSON-able ({exc}): expected str, numbers, "
                          "bools, None, lists and dicts with str keys") from exc


def _check_statistics(statistics: object) -> None:
    if not isinstance(statistics, dict):
        raise ConfigError(f"statistics must be a dict of str to float, was {statistics!r}")
    for key, value in statistics.items():
        if not isinstance(key, str) or isinstance(value, bool) \
                or not isinstance(value, float | int):
            raise ConfigError(f"statistic {key!r} = {value!r}: expected a str name and a float")
