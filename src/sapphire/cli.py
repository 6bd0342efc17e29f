"""The ``sapphire`` command."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from sapphire.cli_backtest import backtest_app
from sapphire.cli_ops import register as register_ops
from sapphire.core.errors import SapphireError

if TYPE_CHECKING:
    import pyarrow as pa

    from sapphire.data.catalog import Catalog

app = typer.Typer(help="Sapphire: self-hosted algorithmic trading.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
data_app = typer.Typer(help="Market data: generate, import, list and query the catalog.",
                       no_args_is_help=True)
app.add_typer(data_app, name="data")
app.add_typer(backtest_app, name="backtest")
register_ops(app)  # config, doctor, bench

console = Console()
errors = Console(stderr=True)

DEFAULT_CATALOG = os.environ.get("SAPPHIRE_CATALOG", "catalog")
CatalogOption = Annotated[Path, typer.Option("--catalog", "-c", help="Catalog folder.",
                                             envvar="SAPPHIRE_CATALOG")]


def _fail(exc: Exception) -> NoReturn:
    errors.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=1)


def _open(path: Path) -> Catalog:
    from sapphire.data.catalog import Catalog

    return Catalog(path)


@data_app.command("generate")
def generate(
    catalog: CatalogOption = Path(DEFAULT_CATALOG),
    events: Annotated[int, typer.Option(help="Quote events per instrument.")] = 1_000_000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same data).")] = 7,
    bars: Annotated[str, typer.Option(
        help="Bar spec aggregated from the quotes, '' for none.")] = "1-min-mid",
) -> None:
    """Generate a synthetic market (quotes, trades, L2 deltas) into the catalog."""
    try:
        from sapphire.data.demo import generate_demo

        generate_demo(_open(catalog), events=events, seed=seed, bar_spec=bars or None,
                      console=console)
    except SapphireError as exc:
        _fail(exc)


@data_app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="File to import.", exists=True, dir_okay=False)],
    format: Annotated[str, typer.Option("--format", "-f",
                                        help="Loader name (see `data formats`).")],
    instrument: Annotated[str, typer.Option("--instrument", "-i",
                                            help="Instrument id SYMBOL.VENUE.")],
    catalog: CatalogOption = Path(DEFAULT_CATALOG),
    instruments: Annotated[Path | None, typer.Option(
        help="TOML file of [[instrument]] specs to register with the import.")] = None,
    bar_type: Annotated[str | None, typer.Option(help="Bar type, for bar files.")] = None,
    data_type: Annotated[str | None, typer.Option(
        help="Generic loaders (csv, parquet): trades, quotes, l2_deltas, l3_orders or bars.",
    )] = None,
    column: Annotated[list[str] | None, typer.Option(
        "--map", help="Generic loaders: schema_column=file_column, repeatable.")] = None,
    option: Annotated[list[str] | None, typer.Option(
        "--option", "-o", help="Loader option key=value, repeatable (e.g. tz=-05:00).")] = None,
    repair: Annotated[bool, typer.Option(
        help="Sort out-of-order rows and drop exact duplicates instead of rejecting the file.",
    )] = False,
    snapshot: Annotated[Path | None, typer.Option(
        help="binance-depth: the depth snapshot file the diff stream FILE starts from.",
        exists=True, dir_okay=False)] = None,
    on_gap: Annotated[str, typer.Option(
        help="Book formats (binance-depth, bybit-orderbook, tardis-l2): on a sequence gap, "
             "'raise' (store nothing) or 'resync' (drop messages until the next snapshot).",
    )] = "raise",
) -> None:
    """Import a vendor file into the catalog (all of it, or nothing)."""
    try:
        options = list(option or []) + ([f"data_type={data_type}"] if data_type else [])
        report = _import(path, format, instrument, catalog, instruments, bar_type, column or [],
                         options, repair, snapshot, on_gap)
    except SapphireError as exc:
        _fail(exc)
    console.print(f"imported [bold]{report.rows:,}[/] rows into {report.series} in "
                  f"{report.seconds:.2f} s ({report.rows_per_second:,.0f} rows/s)")
    for line in getattr(report, "summary", lambda: "")().splitlines():
        console.print(line, highlight=False)


def _import(path: Path, format: str, instrument_id: str, catalog_path: Path,
            instruments: Path | None, bar_type: str | None, columns: list[str],
            options: list[str], repair: bool, snapshot: Path | None = None,
            on_gap: str = "raise"):
    from sapphire.book.builders import BOOK_FORMATS
    from sapphire.core.errors import ConfigError
    from sapphire.core.identifiers import InstrumentId
    from sapphire.data.ingest import import_file
    from sapphire.data.loaders import get_loader
    from sapphire.data.validation import REPAIR, STRICT
    from sapphire.model.instruments import Instrument, load_instruments

    loader_options: dict[str, object] = dict(_pairs(options, "--option"))
    if columns:
        loader_options["columns"] = dict(_pairs(columns, "--map"))
    loader = get_loader(format, **loader_options)
    catalog = _open(catalog_path)
    wanted = InstrumentId.parse(instrument_id)
    target: Instrument | InstrumentId = wanted
    if instruments is not None:
        specs = {i.id: i for i in load_instruments(instruments)}
        if wanted not in specs and catalog.find_instrument(wanted) is None:
            raise ConfigError(f"instrument {wanted} is neither in {instruments} nor in the catalog")
        target = specs.get(wanted, wanted)
    if format in BOOK_FORMATS:
        from sapphire.book.importing import import_book

        paths = [path] if snapshot is None else [snapshot, path]
        return import_book(catalog, paths, format, target, on_gap=on_gap,
                           policy=REPAIR if repair else STRICT, progress=sys.stderr.isatty())
    if snapshot is not None or on_gap != "raise":
        raise ConfigError(f"--snapshot and --on-gap are for {sorted(BOOK_FORMATS)}, "
                          f"not {format!r}")
    return import_file(catalog, path, loader, target, bar_type=bar_type,
                       policy=REPAIR if repair else STRICT, progress=sys.stderr.isatty())


def _pairs(items: list[str], flag: str) -> list[tuple[str, str]]:
    from sapphire.core.errors import ConfigError

    pairs = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"{flag} {item!r}: expected key=value")
        pairs.append((key.strip(), value.strip()))
    return pairs


@data_app.command("formats")
def formats() -> None:
    """List the file formats `data import` understands."""
    from sapphire.data.loaders import LOADERS

    table = Table("format", "data type", "description")
    for name, loader in sorted(LOADERS.items()):
        doc = (loader.__doc__ or "").strip().splitlines()
        table.add_row(name, loader.data_type_text(), doc[0] if doc else "")
    console.print(table)


@data_app.command("ls")
def ls(catalog: CatalogOption = Path(DEFAULT_CATALOG)) -> None:
    """Show what is stored: series, time ranges, rows, days and size."""
    try:
        show_catalog(_open(catalog))
    except SapphireError as exc:
        _fail(exc)


def show_catalog(catalog: Catalog) -> None:
    """Print the catalog's instruments and series as tables."""
    from sapphire.core.time import ns_to_iso

    instruments = Table("instrument", "kind", "tick", "lot", "multiplier", "taker fee",
                        title=f"Instruments in {catalog.root}")
    for instrument in catalog.instruments():
        instruments.add_row(str(instrument.id), instrument.kind.value,
                            str(instrument.price_increment), str(instrument.size_increment),
                            str(instrument.multiplier), str(instrument.taker_fee))
    console.print(instruments)
    series = Table("data", "series", "first (UTC)", "last (UTC)", "rows", "days", "MB",
                   title="Stored data")
    for entry in catalog.entries():
        series.add_row(entry.data_type.value, entry.name, ns_to_iso(entry.first_ns)[:23],
                       ns_to_iso(entry.last_ns)[:23], f"{entry.rows:,}", str(entry.days),
                       f"{entry.bytes / 1e6:,.1f}")
    console.print(series)


@data_app.command("query")
def query(
    data_type: Annotated[str | None, typer.Argument(
        help="trades, quotes, l2_deltas, l3_orders or bars.")] = None,
    series: Annotated[str | None, typer.Argument(
        help="Instrument id, or bar type for bars.")] = None,
    catalog: CatalogOption = Path(DEFAULT_CATALOG),
    start: Annotated[str | None, typer.Option(
        help="From (inclusive): ISO time, date or ns; UTC.")] = None,
    end: Annotated[str | None, typer.Option(
        help="To (exclusive): ISO time, date or ns; UTC.")] = None,
    sql: Annotated[str | None, typer.Option(help="DuckDB SQL over views trades, quotes, l2_deltas, "
                                                 "l3_orders, bars (and *_raw in ticks).")] = None,
    limit: Annotated[int, typer.Option(help="Rows to show.")] = 20,
) -> None:
    """Show rows of one series in a time range, or the result of SQL over the catalog."""
    try:
        result = _query(_open(catalog), data_type, series, start, end, sql)
    except SapphireError as exc:
        _fail(exc)
    show_rows(result, limit)


def _query(catalog: Catalog, data_type: str | None, series: str | None, start: str | None,
           end: str | None, sql: str | None) -> pa.Table:
    from sapphire.core.errors import ConfigError
    from sapphire.core.time import parse_timestamp

    if sql is not None:
        if data_type or series or start or end:
            raise ConfigError("give either --sql or DATA_TYPE SERIES [--start] [--end], not both")
        return catalog.sql(sql)
    if not data_type or not series:
        raise ConfigError("give DATA_TYPE and SERIES (e.g. quotes BTCUSDT.BINANCE), or --sql")
    try:
        from sapphire.core.enums import DataType

        kind = DataType(data_type)
    except ValueError:
        raise ConfigError(f"unknown data type {data_type!r}: expected one of "
                          "trades, quotes, l2_deltas, l3_orders, bars") from None
    return catalog.query(kind, series, None if start is None else parse_timestamp(start),
                         None if end is None else parse_timestamp(end))


def show_rows(result: pa.Table, limit: int) -> None:
    """Print the first ``limit`` rows of a table."""
    table = Table(*result.column_names, caption=f"{min(limit, result.num_rows):,} of "
                                                f"{result.num_rows:,} rows")
    for row in result.slice(0, limit).to_pylist():
        table.add_row(*(str(v) for v in row.values()))
    console.print(table)


@app.command("demo")
def demo(
    catalog: CatalogOption = Path("demo_catalog"),
    events: Annotated[int, typer.Option(help="Quote events per instrument.")] = 1_000_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
) -> None:
    """Generate a demo market, run the EMA-cross example on it, and report the run."""
    try:
        from sapphire.backtest.runner import demo_run_file
        from sapphire.cli_backtest import run_and_report
        from sapphire.data.demo import generate_demo, reset_demo_catalog

        reset_demo_catalog(catalog)
        store = _open(catalog)
        generate_demo(store, events=events, seed=seed, bar_spec="1-min-mid", console=console)
        show_catalog(store)
        console.print("\n[bold]EMA(10)/EMA(20) cross on 1-second mid bars of BTCUSDT.BINANCE[/]")
        report = run_and_report(catalog, demo_run_file(), None)
        console.print(f"\nOpen the report in a browser: [bold]{report.resolve()}[/]")
        console.print(f"Try: [bold]sapphire backtest run --config examples/ema_cross.toml "
                      f"--catalog {catalog}[/]")
    except SapphireError as exc:
        _fail(exc)


def main() -> None:
    """Entry point of the ``sapphire`` command."""
    from sapphire.core.runtime import prepare_process

    try:
        prepare_process(sys.argv[1:])
    except SapphireError as exc:
        errors.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise SystemExit(1) from None
    app()


if __name__ == "__main__":
    main()
