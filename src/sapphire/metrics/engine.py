"""Engine-facing metrics: plain counters and latency histograms, cheap enough per event.

The engine holds one :class:`EngineMetrics` (or :data:`NULL_METRICS` when metrics are off)
and updates it in its hot loop::

    metrics.events += n                      # or metrics.count_events(n)
    metrics.risk_check.observe(t1 - t0)      # nanoseconds, e.g. from time.perf_counter_ns()
    metrics.book_update.observe_many(ns)     # a batch of nanosecond latencies (numpy array)

Nothing here takes a lock or touches Prometheus: values are plain Python ints and lists,
read by a collector when ``/metrics`` is scraped (:mod:`sapphire.metrics.registry`). That
is why a per-event update costs tens of nanoseconds instead of the microsecond-ish of
``prometheus_client``'s locked ``inc()``/``observe()`` (see ``benchmarks/bench_metrics.py``).
One engine thread writes; a scrape from another thread may see a histogram's sum a few
observations ahead of its buckets, which Prometheus tolerates.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import numpy as np

_MANTISSAS: Final = (1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 6.0, 7.0, 8.0, 9.0)
LATENCY_BUCKETS_NS: Final[tuple[int, ...]] = (
    *(round(m * 10**exp) for exp in range(2, 9) for m in _MANTISSAS), 1_000_000_000)
"""Upper bounds (inclusive, ns) of the latency buckets: 15 per decade from 100 ns to 1 s,
so a p99 reads to within 12.5-25 % of its value (0.5 µs at 4-5 µs), plus +Inf."""

STAGES: Final = ("data_to_strategy", "strategy_to_order", "risk_check", "book_update")
"""Latency stages measured by the engine (each an attribute of :class:`EngineMetrics`)."""

COUNTERS: Final = ("events", "orders", "fills", "rejections", "risk_denials")
"""Counters kept by the engine (each an int attribute of :class:`EngineMetrics`)."""

GAUGES: Final = ("open_orders", "open_positions")
"""Gauges set by the engine (each an int attribute of :class:`EngineMetrics`)."""


class LatencyHistogram:
    """Counts of latencies (ns) per bucket of :data:`LATENCY_BUCKETS_NS`, and their sum.

    ``counts[i]`` holds observations ``<= bounds[i]`` and ``> bounds[i - 1]``; the last
    entry counts those above every bound (+Inf).
    """

    __slots__ = ("bounds", "counts", "sum_ns")

    def __init__(self, bounds: tuple[int, ...] = LATENCY_BUCKETS_NS) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)
        self.sum_ns = 0

    def observe(self, ns: int) -> None:
        """Record one latency in nanoseconds."""
        self.counts[bisect_left(self.bounds, ns)] += 1
        self.sum_ns += ns

    def observe_many(self, ns: np.ndarray) -> None:
        """Record a batch of latencies (ns); one numpy pass instead of a call per value."""
        import numpy as np

        values = np.asarray(ns)
        if values.size == 0:
            return
        index = np.searchsorted(np.asarray(self.bounds), values, side="left")
        added = np.bincount(index, minlength=len(self.counts))
        self.counts = [c + int(a) for c, a in zip(self.counts, added, strict=True)]
        self.sum_ns += int(values.sum())

    @property
    def count(self) -> int:
        """Number of observations."""
        return sum(self.counts)

    def quantile(self, q: float) -> float:
        """Estimate the ``q`` quantile (0..1) in ns, interpolating inside the bucket.

        The same rule as Prometheus' ``histogram_quantile``: find the bucket holding rank
        ``q * count`` and interpolate linearly between its bounds (the first bucket starts
        at 0; a rank in +Inf returns the largest finite bound). ``nan`` when empty.
        """
        if not 0.0 <= q <= 1.0:
            raise ValueError(f"quantile {q!r}: expected a number in [0, 1]")
        total = self.count
        if total == 0:
            return float("nan")
        rank = q * total
        seen = 0
        for i, n in enumerate(self.counts):
            if n and seen + n >= rank:
                if i == len(self.bounds):
                    return float(self.bounds[-1])
                low = 0 if i == 0 else self.bounds[i - 1]
                return low + (self.bounds[i] - low) * (rank - seen) / n
            seen += n
        return float(self.bounds[-1])

    def reset(self) -> None:
        """Forget every observation."""
        self.counts = [0] * (len(self.bounds) + 1)
        self.sum_ns = 0


class EngineMetrics:
    """Counters, gauges and latency histograms of one engine.

    Attributes are meant to be updated directly in hot loops (``m.events += 1``); the
    ``count_*`` methods are the same thing for readers who prefer calls.
    """

    enabled: Final = True
    __slots__ = (*COUNTERS, *GAUGES, *STAGES)

    def __init__(self) -> None:
        for name in (*COUNTERS, *GAUGES):
            setattr(self, name, 0)
        for stage in STAGES:
            setattr(self, stage, LatencyHistogram())

    if TYPE_CHECKING:
        events: int
        orders: int
        fills: int
        rejections: int
        risk_denials: int
        open_orders: int
        open_positions: int
        data_to_strategy: LatencyHistogram
        strategy_to_order: LatencyHistogram
        risk_check: LatencyHistogram
        book_update: LatencyHistogram

    def count_events(self, n: int = 1) -> None:
        """Add ``n`` processed events."""
        self.events += n

    def count_orders(self, n: int = 1) -> None:
        """Add ``n`` submitted orders."""
        self.orders += n

    def count_fills(self, n: int = 1) -> None:
        """Add ``n`` fills."""
        self.fills += n

    def count_rejections(self, n: int = 1) -> None:
        """Add ``n`` orders rejected by a venue."""
        self.rejections += n

    def count_risk_denials(self, n: int = 1) -> None:
        """Add ``n`` orders denied by pre-trade risk."""
        self.risk_denials += n

    def histogram(self, stage: str) -> LatencyHistogram:
        """Return the histogram of ``stage`` (one of :data:`STAGES`)."""
        if stage not in STAGES:
            raise KeyError(f"unknown latency stage {stage!r}: expected one of {', '.join(STAGES)}")
        histogram: LatencyHistogram = getattr(self, stage)
        return histogram

    def snapshot(self) -> dict[str, int]:
        """Counters and gauges by name (for reports and tests)."""
        return {name: getattr(self, name) for name in (*COUNTERS, *GAUGES)}


class _NullHistogram(LatencyHistogram):
    __slots__ = ()

    def observe(self, ns: int) -> None:
        """Do nothing: metrics are off."""

    def observe_many(self, ns: np.ndarray) -> None:
        """Do nothing: metrics are off."""


class NullMetrics(EngineMetrics):
    """Metrics switched off: same surface as :class:`EngineMetrics`, every update a no-op.

    Counter attributes still accept ``+=`` (they are plain ints nobody reads); engines
    that want to skip even the clock reads check ``metrics.enabled``.
    """

    enabled: Final = False  # type: ignore[misc]
    __slots__ = ()

    def __init__(self) -> None:
        super().__init__()
        for stage in STAGES:
            setattr(self, stage, _NullHistogram(()))

    def count_events(self, n: int = 1) -> None:
        """Do nothing: metrics are off."""

    def count_orders(self, n: int = 1) -> None:
        """Do nothing: metrics are off."""

    def count_fills(self, n: int = 1) -> None:
        """Do nothing: metrics are off."""

    def count_rejections(self, n: int = 1) -> None:
        """Do nothing: metrics are off."""

    def count_risk_denials(self, n: int = 1) -> None:
        """Do nothing: metrics are off."""
