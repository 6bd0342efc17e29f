"""Model: instruments and (later) orders, fills, positions and accounts."""

from sapphire.model.increment import Increment
from sapphire.model.instruments import (
    AnyInstrument,
    Equity,
    Future,
    FxPair,
    Instrument,
    Perpetual,
    SpotPair,
    instrument_from_dict,
    instrument_from_json,
    instrument_to_dict,
    instrument_to_json,
    load_instruments,
)

__all__ = [
    "AnyInstrument", "Equity", "Future", "FxPair", "Increment", "Instrument", "Perpetual",
    "SpotPair", "instrument_from_dict", "instrument_from_json", "instrument_to_dict",
    "instrument_to_json",
    "load_instruments",
]
