"""Market data: schemas, validation, the Parquet catalog, loaders, bars and a synthetic market."""

from sapphire.data.bar_type import BarSpec, BarType
from sapphire.data.schemas import SCHEMA_VERSION, SCHEMAS, conform, schema_for
from sapphire.data.validation import REPAIR, STRICT, OnDisorder, OnDuplicate, OrderPolicy, validate

__all__ = [
    "REPAIR", "SCHEMAS", "SCHEMA_VERSION", "STRICT", "BarSpec", "BarType", "OnDisorder",
    "OnDuplicate", "OrderPolicy", "conform", "schema_for", "validate",
]
