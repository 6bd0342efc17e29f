"""Core: time, identifiers, enums and errors."""

from sapphire.core.enums import (
    BarSource,
    BarUnit,
    BookAction,
    DataType,
    InstrumentKind,
    OrderAction,
    PriceType,
    RecordFlag,
    Side,
)
from sapphire.core.errors import (
    CatalogError,
    ConfigError,
    DataError,
    DataValidationError,
    IncrementError,
    InstrumentError,
    SapphireError,
    SchemaError,
    TimestampError,
    UnknownInstrumentError,
)
from sapphire.core.identifiers import InstrumentId

__all__ = [
    "BarSource", "BarUnit", "BookAction", "CatalogError", "ConfigError", "DataError",
    "DataType", "DataValidationError", "IncrementError", "InstrumentError", "InstrumentId",
    "InstrumentKind", "OrderAction", "PriceType", "RecordFlag", "SapphireError", "SchemaError",
    "Side", "TimestampError", "UnknownInstrumentError",
]
