"""Daily loss and drawdown: equity against the UTC day's start and against its peak.

The monitor only does the arithmetic; the engine decides when to call it (on every fill,
every check, every UTC midnight and on an optional timer) and what a breach does.
"""

from __future__ import annotations

from sapphire.risk.pretrade.format import money, over, over_percent

NS_PER_DAY = 86_400 * 1_000_000_000
#: Relative slack so a loss exactly at its limit is not turned into a breach by rounding.
TOLERANCE = 1e-9


class LossMonitor:
    """Tracks the day's starting equity and the peak equity; reports a breach.

    Parameters
    ----------
    max_daily_loss
        Largest fall from the day's starting equity, in ``currency`` (None: no limit).
    max_drawdown
        Largest fall from the peak, as a fraction of the peak (None: no limit).
    currency
        For messages.
    """

    def __init__(self, max_daily_loss: float | None, max_drawdown: float | None,
                 currency: str) -> None:
        self.max_daily_loss = max_daily_loss
        self.max_drawdown = max_drawdown
        self.currency = currency
        self.day = 0
        self.day_start = 0.0
        self.peak = 0.0
        self.last = 0.0

    def start(self, now: int, equity: float) -> None:
        """Begin at ``now`` (ns UTC) with ``equity``: it is the day's start and the peak."""
        self.day = now // NS_PER_DAY
        self.day_start = self.peak = self.last = equity

    def new_day(self, now: int, equity: float) -> None:
        """A UTC day begins at ``now`` with ``equity``."""
        self.day = now // NS_PER_DAY
        self.day_start = equity

    def rebase(self, equity: float) -> None:
        """Measure from ``equity`` again (trading resumed after a halt)."""
        self.day_start = self.peak = self.last = equity

    def evaluate(self, now: int, equity: float) -> tuple[str, str] | None:
        """``(rule, reason)`` if ``equity`` at ``now`` breaks a limit, else None.

        A day that began without :meth:`new_day` (no midnight callback ran) starts from
        the last equity evaluated before it.
        """
        if now // NS_PER_DAY != self.day:
            self.new_day(now, self.last)
        self.last = equity
        self.peak = max(self.peak, equity)
        cur = self.currency
        if self.max_daily_loss is not None:
            loss = self.day_start - equity
            if loss > self.max_daily_loss * (1 + TOLERANCE):
                return "max_daily_loss", (
                    f"equity {money(self.day_start, cur)} at the UTC day's start -> "
                    f"{money(equity, cur)}: loss {over(loss, self.max_daily_loss, cur)}")
        if self.max_drawdown is not None and self.peak > 0:
            drawdown = (self.peak - equity) / self.peak
            if drawdown > self.max_drawdown * (1 + TOLERANCE):
                return "max_drawdown", (
                    f"equity {money(equity, cur)} from the peak {money(self.peak, cur)}: "
                    f"drawdown {over_percent(drawdown, self.max_drawdown)}")
        return None
