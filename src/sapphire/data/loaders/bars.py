"""Bar CSV files: ``timestamp,open,high,low,close[,volume]``.

Sapphire stores a bar stamped with its close time. Vendors often stamp it with its
open time (``label="open"``): the bar's step is then added to the file's timestamp.
A file without a volume column (FXCM bid/ask bars) gives volume 0.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from sapphire.core.enums import DataType
from sapphire.core.errors import ConfigError
from sapphire.data.bar_type import BarSpec
from sapphire.data.loaders.generic import _CsvTable
from sapphire.data.loaders.mapping import ColumnMap

_OHLC = {"ts_event": "timestamp", "open": "open", "high": "high", "low": "low", "close": "close"}


class BarCsvLoader(_CsvTable):
    """Bars from CSV (``timestamp,open,high,low,close`` and optionally ``volume``).

    Parameters
    ----------
    bar_spec
        The bars' spec, e.g. ``1-min-last``; time bars only when ``label="open"``.
    label
        Whether the file stamps a bar with its ``open`` or its ``close`` time.
    timestamp, tz
        How to read the timestamps (see :class:`~sapphire.data.loaders.CsvLoader`);
        times written without an offset need ``tz``.
    """

    name: ClassVar[str] = "bars-csv"
    data_type: ClassVar[DataType] = DataType.BARS

    def __init__(self, bar_spec: BarSpec | str, *, label: Literal["open", "close"] = "open",
                 timestamp: str = "iso", tz: str | None = None) -> None:
        self.bar_spec = BarSpec.parse(bar_spec) if isinstance(bar_spec, str) else bar_spec
        if label not in ("open", "close"):
            raise ConfigError(f"label must be 'open' or 'close', was {label!r}")
        self.label = label
        shift = self.bar_spec.step_ns if label == "open" else 0
        self.mapping = ColumnMap(DataType.BARS, {**_OHLC, "volume": "volume"}, timestamp, tz,
                                 ts_shift_ns=shift)
        self._no_volume = ColumnMap(DataType.BARS, _OHLC, timestamp, tz, ts_shift_ns=shift)

    def _mapping_for(self, header: list[str]) -> ColumnMap:
        return self.mapping if "volume" in header else self._no_volume

    def __repr__(self) -> str:
        return f"BarCsvLoader({str(self.bar_spec)!r}, label={self.label!r})"
