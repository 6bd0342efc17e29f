"""Fill a catalog with a synthetic market: what ``make run`` and ``sapphire data generate`` do."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sapphire.core.enums import BarSource, DataType
from sapphire.core.errors import CatalogError
from sapphire.data.bar_type import BarSpec, BarType

if TYPE_CHECKING:
    from rich.console import Console

    from sapphire.core.identifiers import InstrumentId
    from sapphire.data.catalog import Catalog

_GENERATED = (DataType.QUOTES, DataType.TRADES, DataType.L2_DELTAS)


def generate_demo(catalog: Catalog, *, events: int, seed: int, bar_spec: str | None,
                  console: Console | None = None, chunk_events: int = 500_000) -> None:
    """Generate ``events`` quote updates and trades (over all demo instruments) into ``catalog``.

    Quotes, trades and L2 deltas land in one transaction; bars of ``bar_spec`` are then
    aggregated from the stored quotes (or trades for ``last``) in a second one.
    """
    from sapphire.data.synthetic import SyntheticMarket

    market = SyntheticMarket.demo(seed=seed)
    with _progress(console) as progress:
        task = progress.add_task("generating market", total=events)
        with catalog.transaction() as txn:
            for instrument in market.instruments:
                txn.add_instrument(instrument)
            for chunk in market.chunks(events, chunk_events=chunk_events):
                for data_type in _GENERATED:
                    for instrument_id, table in chunk.tables(data_type).items():
                        txn.write(data_type, instrument_id, table)
                progress.advance(task, chunk.n_events)
        if bar_spec is not None:
            aggregate_into(catalog, BarSpec.parse(bar_spec), [i.id for i in market.instruments])


def aggregate_into(catalog: Catalog, spec: BarSpec, instrument_ids: list[InstrumentId]) -> None:
    """Aggregate stored ticks of each instrument into bars of ``spec`` and store them."""
    from sapphire.core.enums import PriceType
    from sapphire.data.aggregation import aggregate_bars

    source = DataType.TRADES if spec.price_type == PriceType.LAST else DataType.QUOTES
    with catalog.transaction() as txn:
        for instrument_id in instrument_ids:
            instrument = catalog.instrument(instrument_id)
            ticks = catalog.query(source, instrument_id)
            bars = aggregate_bars(ticks, spec, instrument).replace_schema_metadata(None)
            txn.write(DataType.BARS, BarType(instrument_id, spec, BarSource.INTERNAL), bars)


def reset_demo_catalog(path: Path) -> None:
    """Delete a previous demo catalog at ``path`` so that the demo can run again.

    Only a folder that is a Sapphire catalog is deleted; anything else is an error.
    """
    if not path.exists():
        return
    if not (path / "catalog.json").is_file():
        raise CatalogError(f"{path} exists and is not a Sapphire catalog; not deleting it")
    shutil.rmtree(path)


def _progress(console: Console | None) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=True,
                    disable=console is None)
