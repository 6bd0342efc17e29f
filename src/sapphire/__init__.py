"""Sapphire: a self-hosted, hardware-aware algorithmic trading platform."""

from sapphire.core import DataType, InstrumentId
from sapphire.model import Instrument

__version__ = "0.1.0"

__all__ = ["DataType", "Instrument", "InstrumentId", "__version__"]
