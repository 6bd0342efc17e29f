"""Configuration of a backtest: its venues and the run."""

from __future__ import annotations

import msgspec

from sapphire.core.errors import ConfigError
from sapphire.core.time import NS_PER_MIN
from sapphire.model.account import AccountType, PositionMode
from sapphire.sim.models import FillModel, LatencyModel


class VenueConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A simulated venue and the account the strategies trade through there.

    ``starting_balance`` is in ``currency``; every instrument of the venue must settle in
    it. ``leverage`` applies to margin accounts only.
    """

    name: str
    account_type: AccountType = AccountType.MARGIN
    currency: str = "USDT"
    starting_balance: float = 1_000_000.0
    leverage: float = 1.0
    position_mode: PositionMode = PositionMode.NETTING
    fill_model: FillModel = msgspec.field(default_factory=FillModel)
    latency: LatencyModel = msgspec.field(default_factory=LatencyModel)

    def __post_init__(self) -> None:
        if not self.name or "." in self.name:
            raise ConfigError(f"venue name must be non-empty without dots, was {self.name!r}")
        if not self.starting_balance > 0:
            raise ConfigError(f"venue {self.name}: starting_balance must be > 0, "
                              f"was {self.starting_balance!r}")


class BacktestConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How a run samples and limits itself.

    Parameters
    ----------
    equity_interval_ns
        The equity curve is sampled this often (and at every fill), in ns.
    start_ns, end_ns
        Only events in ``[start_ns, end_ns)`` are replayed (None: all).
    price_points
        At most this many points per instrument in the results' price path.
    """

    equity_interval_ns: int = NS_PER_MIN
    start_ns: int | None = None
    end_ns: int | None = None
    price_points: int = 5_000

    def __post_init__(self) -> None:
        if self.equity_interval_ns <= 0:
            raise ConfigError(f"equity_interval_ns must be positive, was {self.equity_interval_ns}")
        if self.price_points < 2:
            raise ConfigError(f"price_points must be at least 2, was {self.price_points}")
