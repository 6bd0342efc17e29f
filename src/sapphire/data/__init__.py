"""Market data: schemas, validation, the Parquet catalog, loaders, bars and a synthetic market."""

from sapphire.data.aggregation import aggregate_arrays, aggregate_bars, bar_price_scale
from sapphire.data.aggregator import Bar, BarAggregator
from sapphire.data.bar_type import BarSpec, BarType
from sapphire.data.catalog import Catalog, CatalogEntry
from sapphire.data.ingest import ImportReport, import_file
from sapphire.data.schemas import SCHEMA_VERSION, SCHEMAS, conform, schema_for
from sapphire.data.synthetic import SyntheticMarket, demo_instruments
from sapphire.data.validation import REPAIR, STRICT, OnDisorder, OnDuplicate, OrderPolicy, validate

__all__ = [
    "REPAIR", "SCHEMAS", "SCHEMA_VERSION", "STRICT", "Bar", "BarAggregator", "BarSpec", "BarType",
    "Catalog", "CatalogEntry", "ImportReport", "OnDisorder", "OnDuplicate", "OrderPolicy",
    "SyntheticMarket", "aggregate_arrays", "aggregate_bars", "bar_price_scale", "conform",
    "demo_instruments", "import_file", "schema_for", "validate",
]
